#include "common/core/root_path.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "common/core/fd.h"
#include "scratch_dir.h"

using kc::UniqueFd;
using kc::root_path::open_in_root;
using kc::root_path::Resolver;
namespace fs = std::filesystem;

namespace {

// Both ways of resolving must agree: openat2 (RESOLVE_IN_ROOT) and the component walk that
// stands in for it where openat2 is missing or filtered.
const Resolver kResolvers[] = {Resolver::openat2, Resolver::component_walk};

struct Tree {
  ScratchDir dir;
  UniqueFd root;
  Tree() {
    fs::create_directories(dir / "root");
    fs::create_directories(dir / "outside");
    root = UniqueFd(::open((dir / "root").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  }
  size_t outside_entries() const {
    size_t n = 0;
    for ([[maybe_unused]] const auto& e : fs::recursive_directory_iterator(dir / "outside")) ++n;
    return n;
  }
};

}  // namespace

TEST_CASE("a path inside the root opens, with symlinks inside it followed") {
  for (Resolver r : kResolvers) {
    CAPTURE(static_cast<int>(r));
    Tree t;
    t.dir.write("root/opt/real/kubelet", "k");
    fs::create_directory_symlink("real", t.dir / "root/opt/bin");
    UniqueFd fd(open_in_root(t.root.get(), "/opt/bin/kubelet", O_RDONLY, 0, r));
    REQUIRE(fd);
    char c = 0;
    CHECK(::read(fd.get(), &c, 1) == 1);
    CHECK(c == 'k');
  }
}

TEST_CASE("an absolute symlink is taken inside the root, never to the machine's own path") {
  for (Resolver r : kResolvers) {
    CAPTURE(static_cast<int>(r));
    Tree t;
    fs::create_directories(t.dir / "root/opt");
    // ROOT/opt/bin -> /ABSOLUTE/outside: on the real machine, a directory outside ROOT.
    fs::create_directory_symlink(t.dir / "outside", t.dir / "root/opt/bin");
    UniqueFd fd(open_in_root(t.root.get(), "/opt/bin/kubelet", O_WRONLY | O_CREAT, 0644, r));
    CHECK_FALSE(fd);  // ROOT/ABSOLUTE/outside does not exist
    CHECK(errno == ENOENT);
    CHECK(t.outside_entries() == 0);
    // Once that directory exists under ROOT, the file goes there.
    fs::create_directories(t.dir / "root" / (t.dir / "outside").relative_path());
    UniqueFd made(open_in_root(t.root.get(), "/opt/bin/kubelet", O_WRONLY | O_CREAT, 0644, r));
    CHECK(made);
    CHECK(fs::exists(t.dir / "root" / (t.dir / "outside").relative_path() / "kubelet"));
    CHECK(t.outside_entries() == 0);
  }
}

TEST_CASE("\"..\" in a path or a symlink stops at the root") {
  for (Resolver r : kResolvers) {
    CAPTURE(static_cast<int>(r));
    Tree t;
    fs::create_directories(t.dir / "root/var/lib");
    fs::create_directory_symlink("../../../../../../../outside", t.dir / "root/var/lib/kc");
    UniqueFd fd(open_in_root(t.root.get(), "/var/lib/kc/assets.json", O_WRONLY | O_CREAT, 0644, r));
    CHECK_FALSE(fd);
    CHECK(t.outside_entries() == 0);
    UniqueFd up(open_in_root(t.root.get(), "/../../../outside/x", O_WRONLY | O_CREAT, 0644, r));
    CHECK_FALSE(up);
    CHECK(t.outside_entries() == 0);
    fs::create_directories(t.dir / "root/outside");
    UniqueFd inside(
        open_in_root(t.root.get(), "/var/lib/kc/assets.json", O_WRONLY | O_CREAT, 0644, r));
    CHECK(inside);
    CHECK(fs::exists(t.dir / "root/outside/assets.json"));
  }
}

TEST_CASE("O_NOFOLLOW leaves the last symlink unfollowed; loops end in ELOOP") {
  for (Resolver r : kResolvers) {
    CAPTURE(static_cast<int>(r));
    Tree t;
    t.dir.write("root/file", "x");
    fs::create_symlink("file", t.dir / "root/link");
    UniqueFd nofollow(open_in_root(t.root.get(), "/link", O_RDONLY | O_NOFOLLOW, 0, r));
    CHECK_FALSE(nofollow);
    CHECK(errno == ELOOP);
    UniqueFd followed(open_in_root(t.root.get(), "/link", O_RDONLY, 0, r));
    CHECK(followed);
    fs::create_symlink("b", t.dir / "root/a");
    fs::create_symlink("a", t.dir / "root/b");
    UniqueFd loop(open_in_root(t.root.get(), "/a/x", O_RDONLY, 0, r));
    CHECK_FALSE(loop);
    CHECK(errno == ELOOP);
    UniqueFd root(open_in_root(t.root.get(), "/", O_RDONLY | O_DIRECTORY, 0, r));
    CHECK(root);
  }
}
