// The import rules of the house (DESIGN.md "Folders", ARCHITECTURE.md's folder table), checked by
// `npm run check:deps` in CI. Each folder lists what it MAY import of ours; anything else under src/ is an error.
// Type-only imports count too: a folder that may not import another may not borrow its types either.
//
// Known exceptions are today's breaches, listed one by one (file → file, with why) so the check passes now and
// fails on any NEW breach, including a new import from an excepted file. Remove an exception when its breach is
// fixed; never add one without a comment and a plan to remove it.

/** Shared infrastructure every server-side folder may use: the pino logger and its redaction rules. */
const LOGGER = ['^src/logger\\.ts$', '^src/log-hygiene\\.ts$'];
/** Knex connections and the DATA_DIR lock: the stores' adapters and read models run over them. */
const DATABASE = ['^src/database/'];
/** Rate limits (in memory, or shared through Redis): the REST side and the gateway bridge both count attempts. */
const LIMITS = ['^src/limits/'];

/**
 * The deciders (and the decider helpers): the write side's business. The REST side sends commands and reads queries;
 * of the domain it uses error types, value checks and types (e.g. remote-command-state.ts), never a decider.
 */
const DECIDERS = [
  '^src/domain/decider\\.ts$',
  '^src/domain/accounts/(user|email-claim|token-family)\\.ts$',
  '^src/domain/gateways/(gateway|pairing)\\.ts$',
  '^src/domain/homes/home\\.ts$',
  '^src/domain/remote-control/remote-command\\.ts$',
];

/**
 * One row per folder. `from` (with `fromNot`) picks the importing files, `may` what they may import of ours
 * (their own folder included), `mayNot` what they may not import even so. Composition (src/cli, src/app.ts and the
 * pieces of startServer in src/server, src/stores.ts, src/config.ts, src/jwt-secret.ts) may import everything and has
 * no row; no row above lists it in `may`, so nothing but composition imports it.
 */
const FOLDERS = [
  {
    name: 'domain-imports-nothing-of-ours',
    comment: 'src/domain is pure: deciders, events, values, errors. No I/O, so nothing of ours (npm zod is fine).',
    from: '^src/domain/',
    may: ['^src/domain/'],
  },
  {
    name: 'domain-values-import-nothing',
    comment: 'src/domain/values is shared with the wire protocol and the edge client: pure value checks only.',
    from: '^src/domain/values/',
    may: ['^src/domain/values/'],
  },
  {
    name: 'protocol-imports-domain-values-only',
    comment:
      'src/bridge/protocol (frame schemas, parse and build) is shared with the edge client: pure input bounds only.',
    from: '^src/bridge/protocol/',
    may: ['^src/bridge/protocol/', '^src/domain/values/'],
  },
  {
    name: 'edge-imports-protocol-only',
    comment:
      "src/edge is the gateway-side client library: it shares the protocol's frame builders and parsers, nothing else.",
    from: '^src/edge/',
    may: ['^src/edge/', '^src/bridge/protocol/'],
  },
  {
    name: 'eventstore-imports-domain-types',
    comment: 'src/eventstore (the port and its adapters) knows events only as data: domain types, no domain code.',
    from: '^src/eventstore/',
    may: ['^src/eventstore/', ...DATABASE, ...LOGGER],
    mayTypesOf: ['^src/domain/'],
  },
  {
    name: 'commands-import-domain-eventstore',
    comment: 'src/commands (the write side) loads, decides with the domain, and appends to the event store.',
    from: '^src/commands/',
    may: ['^src/commands/', '^src/domain/', '^src/eventstore/', ...LOGGER],
  },
  {
    name: 'projections-import-domain-eventstore-redaction',
    comment:
      'src/projections (read side) follows the log into read models; the audit read model stores redacted events.',
    from: '^src/projections/',
    may: [
      '^src/projections/',
      '^src/domain/',
      '^src/eventstore/',
      '^src/audit/redaction\\.ts$',
      ...DATABASE,
      ...LOGGER,
    ],
  },
  {
    name: 'api-imports-commands-queries-domain',
    comment:
      'src/api (Koa routes) sends commands and reads queries; it never reaches the event store, the bridge or a decider.',
    from: '^src/api/',
    may: ['^src/api/', '^src/commands/', '^src/projections/queries/', '^src/domain/', ...LIMITS, ...LOGGER],
    mayNot: DECIDERS,
  },
  {
    name: 'bridge-imports-commands-queries-eventstore-domain',
    comment: 'src/bridge (gateway sockets) sends commands, reads queries, and subscribes to the event store.',
    from: '^src/bridge/',
    fromNot: '^src/bridge/protocol/',
    may: [
      '^src/bridge/',
      '^src/commands/',
      '^src/projections/queries/',
      '^src/eventstore/',
      '^src/domain/',
      ...LIMITS,
      ...LOGGER,
    ],
  },
  {
    name: 'limits-import-logger-only',
    comment:
      'src/limits (rate limits in memory or in Redis) is shared by src/api and src/bridge: it knows neither of them.',
    from: '^src/limits/',
    may: ['^src/limits/', ...LOGGER],
  },
  {
    name: 'metrics-imports-eventstore-protocol-and-recorder-types',
    comment:
      'src/metrics implements the recorder interfaces src/api and src/bridge define (they never import prom-client or ' +
      'src/metrics); it wraps the event store and knows the frame types, and borrows only types from the rest.',
    from: '^src/metrics/',
    may: ['^src/metrics/', '^src/eventstore/', '^src/bridge/protocol/'],
    mayTypesOf: ['^src/api/', '^src/bridge/', '^src/domain/', '^src/projections/'],
  },
  {
    name: 'audit-imports-eventstore',
    comment: 'src/audit (scopes, export records, chain verification) reads the log; redaction.ts is pure.',
    from: '^src/audit/',
    may: ['^src/audit/', '^src/eventstore/'],
  },
  {
    name: 'database-imports-nothing-of-ours',
    comment: 'src/database opens connections and holds the DATA_DIR lock: infrastructure below every store.',
    from: '^src/database/',
    may: ['^src/database/'],
  },
  {
    name: 'logger-imports-log-hygiene-only',
    comment: 'The logger is below everything that logs: it may not pull the application in.',
    from: '^src/(logger|log-hygiene)\\.ts$',
    may: LOGGER,
  },
];

/**
 * Today's breaches: `from` file → `to` file, and why it is tolerated. Each widens its own file's row by exactly
 * that import.
 */
const KNOWN_EXCEPTIONS = [];

const OURS = '^src/';

/** A regular expression that matches exactly this path. */
function exactly(file) {
  return `^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`;
}

function rowsFor(file) {
  return FOLDERS.filter(
    (row) => new RegExp(row.from).test(file) && !(row.fromNot && new RegExp(row.fromNot).test(file)),
  );
}

/** The forbidden rules of one row: anything of ours outside `may` (and, for `mayTypesOf`, anything but types). */
function rulesOf(row, extra = { fromPath: row.from, fromNot: [], may: [], suffix: '' }) {
  const from = { path: extra.fromPath, pathNot: [...(row.fromNot ? [row.fromNot] : []), ...extra.fromNot] };
  const may = [...row.may, ...extra.may];
  const rules = [
    {
      name: row.name + extra.suffix,
      comment: row.comment,
      severity: 'error',
      from,
      to: { path: OURS, pathNot: [...may, ...(row.mayTypesOf ?? [])] },
    },
  ];
  if (row.mayNot) {
    rules.push({
      name: `${row.name}${extra.suffix} (not these)`,
      comment: `${row.comment} (never ${row.mayNot.join(', ')})`,
      severity: 'error',
      from,
      to: { path: row.mayNot },
    });
  }
  if (row.mayTypesOf) {
    rules.push({
      name: `${row.name}${extra.suffix} (no run-time import)`,
      comment: `${row.comment} (only \`import type\` from ${row.mayTypesOf.join(', ')})`,
      severity: 'error',
      from,
      to: { path: row.mayTypesOf, pathNot: may, dependencyTypesNot: ['type-only'] },
    });
  }
  return rules;
}

function importRules() {
  const rules = [];
  for (const row of FOLDERS) {
    const excepted = KNOWN_EXCEPTIONS.filter((exception) => rowsFor(exception.from).includes(row));
    rules.push(
      ...rulesOf(row, {
        fromPath: row.from,
        fromNot: excepted.map((exception) => exactly(exception.from)),
        may: [],
        suffix: '',
      }),
    );
    for (const exception of excepted) {
      rules.push(
        ...rulesOf(
          { ...row, comment: `${row.comment} Known exception ${exception.from} → ${exception.to}: ${exception.why}.` },
          {
            fromPath: exactly(exception.from),
            fromNot: [],
            may: [exactly(exception.to)],
            suffix: ' (known exception)',
          },
        ),
      );
    }
  }
  return rules;
}

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...importRules(),
    {
      name: 'no-tests-or-benchmarks-in-src',
      comment: 'The build compiles src/ alone: it may not reach into test/ or bench/.',
      severity: 'error',
      from: { path: OURS },
      to: { path: '^(test|bench)/' },
    },
    {
      name: 'no-dev-dependencies-at-run-time',
      comment: 'dist/ runs with production dependencies only (tsx, vitest and the like are dev dependencies).',
      severity: 'error',
      from: { path: OURS },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'], pathNot: ['node_modules/@types/'] },
    },
    {
      name: 'no-undeclared-packages',
      comment: "Every package src/ imports is in package.json, not merely installed as someone else's dependency.",
      severity: 'error',
      from: { path: OURS },
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'] },
    },
    {
      name: 'no-unresolvable-imports',
      comment: 'An import that resolves to nothing fails at run time.',
      severity: 'error',
      from: { path: OURS },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    // Type-only imports are dependencies too (see the top of this file).
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
  },
};
