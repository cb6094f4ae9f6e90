import fadvise from 'fadvise';

/**
 * Whether this platform lets the service drop a file's pages from the kernel's page cache (`posix_fadvise`, through
 * the fadvise package's native binding; where that did not build, large transfers just stay cached).
 */
export const canDropFromPageCache = process.platform === 'linux' && !fadvise.failed_to_load;

/**
 * Tells the kernel that `length` bytes of the open file `fd` from `offset` will not be read again soon, so their
 * pages are freed now rather than pushing out what is hot. Only clean (written back) pages go: call it after a sync.
 * A hint: a failure changes nothing but the cache, so it is ignored.
 */
export function dropFromPageCache(fd: number, offset: number, length: number): void {
  if (!canDropFromPageCache || length <= 0) return;
  fadvise.posix_fadvise(fd, offset, length, fadvise.POSIX_FADV_DONTNEED);
}
