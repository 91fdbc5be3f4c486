/** The tables of a projection were built by another version of its handler: they must be rebuilt before use. */
export class StaleProjectionError extends Error {
  override readonly name = 'StaleProjectionError';
  constructor(
    readonly projection: string,
    readonly tablesVersion: number,
    readonly codeVersion: number,
  ) {
    super(
      `Projection ${projection} was built by version ${tablesVersion} but this code is version ${codeVersion}: ` +
        `run \`smarthome-cloud projections rebuild ${projection}\` (readers keep being served meanwhile), ` +
        'or start with AUTO_REBUILD=1 to rebuild it at start-up.',
    );
  }
}
