// The part of the WebAssembly JavaScript API that shared-visited.ts uses.
// TypeScript declares it only in its DOM and web-worker libraries, which this
// Node project does not load; Node 20 has it as a global.

declare namespace WebAssembly {
  class Module {
    constructor(bytes: Uint8Array<ArrayBuffer>);
  }
  class Instance {
    constructor(module: Module, imports: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, unknown>;
  }
  interface MemoryDescriptor {
    /** In 64 KiB pages. */
    initial: number;
    maximum?: number;
    shared?: boolean;
  }
  class Memory {
    constructor(descriptor: MemoryDescriptor);
    /** A SharedArrayBuffer when the memory is shared. */
    readonly buffer: SharedArrayBuffer | ArrayBuffer;
  }
}
