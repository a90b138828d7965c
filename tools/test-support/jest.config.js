import { jestConfig } from '../../jest.preset.js';

export default jestConfig('tools/test-support');
