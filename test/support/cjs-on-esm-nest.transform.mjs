// Jest transform for CommonJS packages that require() NestJS 12 (ES modules only), i.e. @nestjs/throttler. Node
// 20.19+ runs them as they are (require(esm)); Jest's module runtime cannot before Node 24.9. So, in tests only, each
// such require() is handed the very ES module the test has already loaded (esm-for-cjs.setup.ts puts it on
// globalThis): the same classes, so Nest's dependency injection sees one Reflector, one Logger.
import { createHash } from 'node:crypto';

const SLOT = 'Symbol.for("stowage.jest.esm")';
const REQUIRE = /require\("(@nestjs\/(?:common|core))"\)/g;

export default {
  process(source) {
    return {
      code: source.replace(REQUIRE, (_, name) => `(globalThis[${SLOT}] ?? {})[${JSON.stringify(name)}]`),
    };
  },
  getCacheKey(source, path) {
    return createHash('sha256').update('cjs-on-esm-nest 1').update(path).update(source).digest('hex');
  },
};
