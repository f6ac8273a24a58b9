// A search whose model throws (a model bug deep in a search, or a test
// model that fails on purpose) ends with what it found instead of nothing:
// the figures so far, stopReason 'internal-error', the exception's first
// line as `failure`, and the traces of the violations found before it that
// can still be rebuilt. levelSearch() hands over, before it starts, a
// function that builds its result from its current state; the wrapper
// calls it when the search throws.

import type { LevelSearchOptions, Rescue, SearchResult } from './search.js';
import type { Model, Step } from './model.js';


type LevelSearch = <S, St extends Step>(model: Model<S, St>, options: LevelSearchOptions) => SearchResult<S, St>;

export function rescued(search: LevelSearch): LevelSearch {
  return <S, St extends Step>(model: Model<S, St>, options: LevelSearchOptions): SearchResult<S, St> => {
    const rescue: Rescue<unknown, Step> = {};
    try {
      return search(model, { ...options, rescue });
    } catch (e) {
      const partial = rescue.result as Rescue<S, St>['result'] | undefined;
      if (partial === undefined) throw e; // before the search started: nothing to keep
      const r = partial(true);
      const message = (e instanceof Error ? e.message : String(e)).split('\n')[0];
      return {
        ...r,
        complete: false,
        stopReason: 'internal-error',
        failure: `the model threw: ${message}${r.failure ? `; ${r.failure}` : ''}`,
      };
    }
  };
}
