/**
 * Counting for paging. Exact counts cost a full scan whenever the filter has no index to use (`filename:~x` over a
 * million rows takes hundreds of milliseconds: docs/performance-profile.md), so above EXACT_COUNT_LIMIT matches a
 * large table is sampled instead.
 * See docs/appmixer-api.md ("Counts") for the contract this gives clients.
 */
export interface FileCount {
  count: number;
  /** false: `count` is an estimate (more than EXACT_COUNT_LIMIT files match, on a table too large to count quickly) */
  exact: boolean;
}

/** Counts up to this are always exact: a bounded scan (stopping at one more match) proves a count is larger. */
export const EXACT_COUNT_LIMIT = 1000;

/** About this many rows are read to estimate a larger count; a table no larger than this is counted exactly. */
export const COUNT_SAMPLE_ROWS = 100_000;

/**
 * The percentage of the table's pages to sample for an estimate, or undefined when the whole table is small enough
 * to count exactly (or its size is unknown: never analyzed, `tableRows` < 0).
 */
export function samplePercent(tableRows: number, sampleRows = COUNT_SAMPLE_ROWS): number | undefined {
  if (!(tableRows > sampleRows)) return undefined;
  return (sampleRows / tableRows) * 100;
}

/**
 * Scales the matches found in a `percent` % page sample up to the whole table. Never below `atLeast` (what is
 * already proved to match), since a sample can miss matches a scan saw.
 */
export function estimateFromSample(matchesInSample: number, percent: number, atLeast: number): number {
  return Math.max(atLeast, Math.round((matchesInSample * 100) / percent));
}
