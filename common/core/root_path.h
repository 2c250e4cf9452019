// Opening a path inside a root directory as if that directory were "/": symlinks are followed,
// but an absolute target or ".." never leads above the root (openat2's RESOLVE_IN_ROOT). kc::Host
// resolves every host path this way, so a symlink such as ROOT/opt/bin -> /usr/bin stays under
// ROOT (ROOT/usr/bin) instead of reaching the machine kc runs on. Where openat2 is missing
// (Linux < 5.6) or filtered (seccomp: EPERM/ENOSYS), the same rules are applied by walking the
// path one component at a time with O_NOFOLLOW and reading each symlink.
#pragma once

#include <sys/types.h>

#include <string_view>

namespace kc::root_path {

enum class Resolver { automatic, openat2, component_walk };

// openat(2) of `path` (relative to root_fd; a leading "/" is the root) resolved inside root_fd.
// O_NOFOLLOW in flags leaves the last component unfollowed, as open(2) does. Returns the fd, or
// -1 with errno set (ELOOP after 40 symlinks). `resolver` is for tests; automatic uses openat2
// and falls back to the component walk for good once openat2 is unavailable.
int open_in_root(int root_fd, std::string_view path, int flags, mode_t mode = 0,
                 Resolver resolver = Resolver::automatic);

}  // namespace kc::root_path
