import { describeEngineContract } from './__tests__/engine-contract.js';
import { MapEngine } from './__tests__/map-engine.js';
import { MemoryEngine } from './memory-engine.js';

describeEngineContract('memory', () => new MemoryEngine(), { persistent: false });

// The persistent half of the suite, run against the test engine so the suite itself is exercised.
describeEngineContract('map (test engine)', (location) => new MapEngine(location), {
  persistent: true,
  destroy: async (location) => {
    MapEngine.disks.delete(location);
  },
});
