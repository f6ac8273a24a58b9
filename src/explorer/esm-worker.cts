// What piscina loads in each worker thread: a CommonJS file that loads the
// real worker, the ES module whose URL the pool passes as workerData.module,
// with import(), once, and hands it every task.
//
// Why not give piscina the ES module itself: piscina loads a worker file
// with require() first, and on Node 20.19+ require() of an ES module can race
// with the ES module loader still loading piscina's own worker script; the
// thread then aborts the whole process ("v8::Module::IsGraphAsync must be
// used on an instantiated module", seen in 3 of 6 runs of the parallel tests
// here). require() of this file never touches the ES module loader.

import { workerData } from 'node:worker_threads';

type Run = (task: never) => Promise<unknown>;

let run: Promise<Run> | undefined;

module.exports = async (task: never): Promise<unknown> => {
  run ??= import((workerData as { module: string }).module).then((m: { default: Run }) => m.default);
  return (await run)(task);
};
