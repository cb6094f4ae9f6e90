// The fadvise package ships no types. When its native binding failed to build or load, it exports a no-op in its place.
declare module 'fadvise' {
  const fadvise: {
    posix_fadvise(fd: number, offset: number, length: number, advice: number): number;
    readonly POSIX_FADV_DONTNEED: number;
    readonly failed_to_load?: true;
  };
  export default fadvise;
}
