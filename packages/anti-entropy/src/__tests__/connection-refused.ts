/** An error shaped like the client's ConnectionError for a peer that is not up (a code, a message). */
export class ConnectionRefused extends Error {
  readonly code = 'ECONNREFUSED';

  constructor(message: string) {
    super(message);
    this.name = 'ConnectionError';
  }
}
