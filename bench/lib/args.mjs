// Command-line flags of bench/run.mjs.
export const SCENARIOS = ['large', 's3', 'concurrent', 'tus', 'upload4k', 'meta', 'listing'];
const UNITS = { k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** "1G", "512M", "64k" or plain bytes. */
export function parseSize(text) {
  const match = /^(\d+(?:\.\d+)?)\s*([kmg])?i?b?$/i.exec(String(text).trim());
  if (!match) throw new Error(`--size: cannot read '${text}' (use e.g. 1G, 512M, 64k or bytes)`);
  return Math.round(Number(match[1]) * (match[2] ? UNITS[match[2].toLowerCase()] : 1));
}

export const USAGE = `Usage: npm run bench -- [--size 1G] [--rounds 3] [--duration 10] [--rows 1000000] [--pg] [--quick] [--only large,s3,concurrent,tus,upload4k,meta,listing]
  --size      large upload/download body (default 1G; --quick 64M)
  --rounds    alternating rounds per measurement (default 3; --quick 2)
  --duration  seconds per load-test run (default 10; --quick 3)
  --rows      file rows seeded for the listing benchmark (default 1000000; --quick 50000)
  --pg        run the service against PostgreSQL at BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres),
              in a fresh database dropped afterwards, instead of the embedded default
  --quick     small sizes for a smoke run (under 2 minutes)
  --only      a comma-separated subset of: ${SCENARIOS.join(', ')}
Environment: STOWAGE_DIST (compiled service, default dist), BENCH_NODE_ARGS (extra node flags for the service,
e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"), BENCH_DIR (scratch directory, default under the OS temp dir).
Only full runs (every scenario) on the embedded default rewrite docs/performance.md; every run writes bench/results/<date>[-pg][-quick].json.`;

export function parseArgs(argv) {
  const flags = { pg: false, quick: false };
  for (let i = 0; i < argv.length; i++) {
    const [name, inline] = argv[i].split('=', 2);
    const value = () => inline ?? argv[++i];
    switch (name) {
      case '--size':
        flags.size = parseSize(value());
        break;
      case '--rounds':
        flags.rounds = Number(value());
        break;
      case '--duration':
        flags.duration = Number(value());
        break;
      case '--rows':
        flags.rows = Number(value());
        break;
      case '--only':
        flags.only = value().split(',');
        break;
      case '--pg':
        flags.pg = true;
        break;
      case '--quick':
        flags.quick = true;
        break;
      case '--help':
      case '-h':
        console.log(USAGE);
        process.exit(0);
        break;
      default:
        throw new Error(`Unknown flag '${argv[i]}'.\n${USAGE}`);
    }
  }
  const q = flags.quick;
  const options = {
    pg: flags.pg,
    quick: q,
    size: flags.size ?? (q ? 64 * 1024 ** 2 : 1024 ** 3),
    rounds: flags.rounds ?? (q ? 2 : 3),
    duration: flags.duration ?? (q ? 3 : 10),
    rows: flags.rows ?? (q ? 50_000 : 1_000_000),
    scenarios: flags.only ?? SCENARIOS,
  };
  for (const s of options.scenarios) if (!SCENARIOS.includes(s)) throw new Error(`--only: unknown scenario '${s}'.\n${USAGE}`);
  for (const k of ['size', 'rounds', 'duration', 'rows']) {
    if (!Number.isInteger(options[k]) || options[k] < 1) throw new Error(`--${k} must be a positive whole number.\n${USAGE}`);
  }
  return options;
}
