/**
 * @merklekv/protocol — the MerkleKV wire format (docs/PROTOCOL.md): a
 * push-based request decoder, a request encoder, value quoting, reply line
 * splitting and the tree/version forms used by anti-entropy. Pure: no I/O.
 */
export type { Command, CommandType, TreePath, WireVersion } from './command.js';
export { arityOf, COMMAND_TABLE, commandInfo, isWrite, RESP_COMMANDS, textCommand } from './command-table.js';
export type { Arity, CommandAccess, CommandFlag, CommandGroup, CommandInfo, CommandSpec } from './command-table.js';
export {
  DEFAULT_MAX_LINE_BYTES,
  DEFAULT_MAX_REPLY_LINE_BYTES,
  MAX_KEY_BYTES,
  PROTOCOL_VERSION,
  RESERVED_KEYS,
  SCAN_DEFAULT_COUNT,
  SCAN_MAX_COUNT,
} from './constants.js';
export { CommandDecoder } from './decoder.js';
export type { CommandDecoderOptions, DecodedItem, DecodeError } from './decoder.js';
export { encodeCommand } from './encode-command.js';
export { PROTOCOL_ERROR_CODES, ProtocolError } from './errors.js';
export type { ProtocolErrorCode } from './errors.js';
export { checkKey, checkToken, checkUser, isValidKey, keyProblem, tokenProblem, valueProblem } from './key.js';
export { LineReader } from './line-reader.js';
export type { LineReaderOptions } from './line-reader.js';
export { parseCommandLine } from './parse-command.js';
export { checkPeer } from './peer.js';
export {
  isPeerNonce,
  PEER_CHALLENGE_PREFIX,
  PEER_CHALLENGE_REPLY,
  PEER_NONCE_BYTES,
  PEER_USER,
  peerProof,
  proofMatches,
} from './peer-auth.js';
export type { PeerProofSide } from './peer-auth.js';
export { isErrorLine, isMultiLineReply, parseEndLine } from './reply.js';
export { formatTreePath, MAX_TREE_DEPTH, MAX_TREE_INDEX, parseTreePath } from './tree-path.js';
export { COMMAND_USAGE } from './usage.js';
export { decodeValue, encodeValue, encodeValueToken, isRawValueBytes } from './value-quoting.js';
export { decodeGetvLine, decodeVersionLine, encodeVersion } from './version-line.js';
export { byteLengthOf, bytesToString, holdsEscapedBytes, stringToBytes } from '@merklekv/merkle';
export { RespRequestDecoder } from './resp/request-decoder.js';
export type { RespDecodeError, RespDecoderOptions, RespRequest } from './resp/request-decoder.js';
export { encodeReply, encodeRequest, formatDouble, RESP_OK, respBulk, respError, respInteger, respNull, respSimple } from './resp/reply.js';
export type { RespBytes, RespValue, RespVersion } from './resp/reply.js';
export { compileGlob } from './resp/glob.js';
export type { Glob } from './resp/glob.js';
export type { WireStamp } from './peer-sync.js';
export type { PackedChild, PathSet } from './peer-pack.js';
export { countsOnWire, formatPackedEntry, packTreeChildren, unpackTreeChildren } from './peer-pack-tree.js';
export {
  decodePathSet,
  encodePathSet,
  fromBase64Url,
  fromPathSets,
  indexPath,
  packChildren,
  pathIndex,
  toBase64Url,
  toPathSets,
  unpackChildren,
} from './peer-pack.js';
export {
  decodeStamp,
  encodeStamp,
  encodeVersionToken,
  formatChild,
  MAX_HASH_WIDTH,
  PEER_PROTOCOL_VERSION,
  parseTreesLine,
} from './peer-sync.js';
