/* libdbus-1.a calls sd_listen_fds() and sd_is_socket() (for socket activation of a bus daemon,
 * which kc never is). Debian ships libsystemd only as a shared library, so a static kc provides
 * the two functions itself, as documented in sd_listen_fds(3) and sd_is_socket(3). kc is never
 * socket-activated, so sd_listen_fds reports no passed descriptors. */
#include <errno.h>
#include <sys/socket.h>
#include <sys/stat.h>

int sd_listen_fds(int unset_environment) {
  (void)unset_environment;
  return 0;
}

int sd_is_socket(int fd, int family, int type, int listening) {
  struct stat st;
  if (fd < 0) return -EBADF;
  if (fstat(fd, &st) < 0) return -errno;
  if (!S_ISSOCK(st.st_mode)) return 0;
  if (type != 0) {
    int t = 0;
    socklen_t l = sizeof(t);
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &t, &l) < 0) return -errno;
    if (t != type) return 0;
  }
  if (listening >= 0) {
    int a = 0;
    socklen_t l = sizeof(a);
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &a, &l) < 0) return -errno;
    if (!a != !listening) return 0;
  }
  if (family > 0) {
    struct sockaddr_storage sa;
    socklen_t l = sizeof(sa);
    if (getsockname(fd, (struct sockaddr*)&sa, &l) < 0) return -errno;
    if (sa.ss_family != family) return 0;
  }
  return 1;
}
