import type { CommandType } from './command.js';
import { isErrorLine, isMultiLineReply, parseEndLine } from './reply.js';
import { COMMAND_USAGE } from './usage.js';

describe('reply framing', () => {
  it('knows exactly the multi-line replies', () => {
    const multi = (Object.keys(COMMAND_USAGE) as CommandType[]).filter(isMultiLineReply).sort();
    expect(multi).toEqual(['ENTRIES', 'GETV', 'INFO', 'LEAF', 'MGET', 'PENTRIES', 'PTREES', 'RECORDS', 'SCAN', 'STAMPS', 'STATS', 'TREES']);
  });

  it('reads END lines', () => {
    expect(parseEndLine('END')).toEqual({ cursor: undefined });
    expect(parseEndLine('END user:5')).toEqual({ cursor: 'user:5' });
    expect(parseEndLine('ENDING value')).toBeUndefined();
    expect(parseEndLine('"END"')).toBeUndefined();
    expect(parseEndLine('END ')).toBeUndefined();
  });

  it('recognises error lines', () => {
    expect(isErrorLine('ERROR: Invalid command \'FOO\'')).toBe(true);
    expect(isErrorLine('"ERROR: a value"')).toBe(false);
    expect(isErrorLine('ERRORS value')).toBe(false);
  });
});
