#include "common/core/host.h"

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "scratch_dir.h"

namespace fs = std::filesystem;

TEST_CASE("Host maps host paths under its root") {
  kc::Host host("/tmp/root/");
  CHECK(host.path("/opt/bin/kubelet") == fs::path("/tmp/root/opt/bin/kubelet"));
  CHECK(host.path("etc/kc") == fs::path("/tmp/root/etc/kc"));
  CHECK(kc::Host("/").path("/opt/bin") == fs::path("/opt/bin"));
  CHECK(kc::Host("/").is_real_root());
  CHECK_FALSE(host.is_real_root());
}

TEST_CASE("write_file creates parents, sets the mode and reads back") {
  ScratchDir dir;
  kc::Host host(dir.path());
  REQUIRE(host.write_file("/etc/kc/worker.json", "{}", 0600).ok());
  CHECK(dir.read("etc/kc/worker.json") == "{}");
  auto info = host.stat("/etc/kc/worker.json");
  REQUIRE(info.ok());
  REQUIRE(info->has_value());
  CHECK((*info)->mode == 0600);
  CHECK((*info)->size == 2);
  auto content = host.read_file("/etc/kc/worker.json");
  REQUIRE(content.ok());
  CHECK(content->value() == "{}");
}

TEST_CASE("write_file replaces atomically and leaves no temporary file behind") {
  ScratchDir dir;
  kc::Host host(dir.path());
  REQUIRE(host.write_file("/a/f", "one", 0644).ok());
  REQUIRE(host.write_file("/a/f", "two", 0644).ok());
  CHECK(dir.read("a/f") == "two");
  int entries = 0;
  for (const auto& e : fs::directory_iterator(dir / "a")) {
    (void)e;
    ++entries;
  }
  CHECK(entries == 1);
}

TEST_CASE("a failed write leaves the old file and no temporary file") {
  ScratchDir dir;
  kc::Host host(dir.path());
  REQUIRE(host.write_file("/a/f", "old", 0644).ok());
  // A directory where the file's parent should be makes the write fail.
  dir.write("blocked", "a file, not a directory");
  auto status = host.write_file("/blocked/f", "new", 0644);
  REQUIRE_FALSE(status.ok());
  CHECK(status.error().where.find("blocked") != std::string::npos);
  CHECK(dir.read("a/f") == "old");
}

TEST_CASE("read_file and stat report a missing file as empty, not as an error") {
  ScratchDir dir;
  kc::Host host(dir.path());
  auto content = host.read_file("/missing");
  REQUIRE(content.ok());
  CHECK_FALSE(content->has_value());
  auto info = host.stat("/missing");
  REQUIRE(info.ok());
  CHECK_FALSE(info->has_value());
  CHECK(host.remove("/missing").ok());
}

TEST_CASE("read_file of a directory is an error naming the path") {
  ScratchDir dir;
  kc::Host host(dir.path());
  REQUIRE(host.make_dirs("/etc/kc").ok());
  auto content = host.read_file("/etc/kc");
  REQUIRE_FALSE(content.ok());
  CHECK(content.error().where == (dir / "etc/kc").string());
}

namespace {

// Records every change a Host makes, as "kind path" lines.
struct Recorder {
  std::vector<std::string> lines;
  std::mutex mutex;
  void attach(kc::Host& host) {
    host.set_observer([this](const kc::HostChange& c) {
      static const char* kinds[] = {"write", "set_mode", "remove", "make_dirs", "stage"};
      std::lock_guard<std::mutex> hold(mutex);
      lines.push_back(std::string(kinds[c.kind]) + " " + c.host_path);
    });
  }
};

size_t entries_in(const fs::path& dir) {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++n;
  return n;
}

}  // namespace

TEST_CASE("a staged file appears at its final path only on commit, with its mode") {
  ScratchDir dir;
  kc::Host host(dir.path());
  REQUIRE(host.make_dirs("/opt/bin").ok());
  Recorder seen;
  seen.attach(host);
  {
    auto staged = host.stage("/opt/bin/kubelet");
    REQUIRE(staged.ok());
    REQUIRE(::write(staged->fd(), "elf", 3) == 3);
    CHECK_FALSE(fs::exists(dir / "opt/bin/kubelet"));
    auto names = host.list("/opt/bin");
    REQUIRE(names.ok());
    REQUIRE(names->size() == 1);
    CHECK((*names)[0].rfind(".kubelet.kc-tmp-", 0) == 0);
    REQUIRE(staged->commit(0755).ok());
    CHECK(staged->committed());
  }
  CHECK(dir.read("opt/bin/kubelet") == "elf");
  auto st = host.lstat("/opt/bin/kubelet");
  REQUIRE(st.ok());
  REQUIRE(st->has_value());
  CHECK(((*st)->st_mode & 07777) == 0755);
  CHECK(entries_in(dir / "opt/bin") == 1);
  CHECK(seen.lines == std::vector<std::string>{"stage /opt/bin/kubelet", "write /opt/bin/kubelet"});
}

TEST_CASE("a staged file dropped uncommitted leaves nothing, and the old file stays") {
  ScratchDir dir;
  kc::Host host(dir.path());
  REQUIRE(host.replace_atomically("/opt/bin/kubectl", "old", 0755).ok());
  {
    auto staged = host.stage("/opt/bin/kubectl");
    REQUIRE(staged.ok());
    REQUIRE(::write(staged->fd(), "partial", 7) == 7);
  }
  CHECK(dir.read("opt/bin/kubectl") == "old");
  CHECK(entries_in(dir / "opt/bin") == 1);
}

TEST_CASE("stage needs the directory to exist and says where") {
  ScratchDir dir;
  kc::Host host(dir.path());
  auto staged = host.stage("/missing/dir/file");
  REQUIRE_FALSE(staged.ok());
  CHECK(staged.error().what == "create temporary file");
  CHECK(staged.error().where.find((dir / "missing/dir/.file.kc-tmp-").string()) == 0);
}

TEST_CASE("staged symlinks and hard links are committed like files") {
  ScratchDir dir;
  kc::Host host(dir.path());
  REQUIRE(host.make_dirs("/d").ok());
  auto file = host.stage("/d/bridge");
  REQUIRE(file.ok());
  REQUIRE(::write(file->fd(), "x", 1) == 1);
  auto hard = host.stage_hardlink("/d/same", *file);
  REQUIRE(hard.ok());
  auto soft = host.stage_symlink("/d/alias", "bridge");
  REQUIRE(soft.ok());
  CHECK(S_ISLNK(soft->stat()->st_mode));
  CHECK(entries_in(dir / "d") == 3);  // all three still under temporary names
  REQUIRE(file->commit(0755, false).ok());
  REQUIRE(hard->commit(0755, false).ok());
  REQUIRE(soft->commit(0755, false).ok());
  REQUIRE(host.sync_dir("/d").ok());
  CHECK(dir.read("d/same") == "x");
  CHECK(fs::read_symlink(dir / "d/alias") == "bridge");
  CHECK(entries_in(dir / "d") == 3);
}

TEST_CASE("replace_atomically from a stream creates parents and is observed") {
  ScratchDir dir;
  kc::Host host(dir.path());
  Recorder seen;
  seen.attach(host);
  std::istringstream in(std::string(200000, 'z'));
  REQUIRE(host.replace_atomically("/var/lib/kc/big", in, 0600).ok());
  CHECK(dir.read("var/lib/kc/big") == std::string(200000, 'z'));
  CHECK((*host.stat("/var/lib/kc/big"))->mode == 0600);
  CHECK(seen.lines == std::vector<std::string>{"make_dirs /var/lib/kc", "stage /var/lib/kc/big",
                                               "write /var/lib/kc/big"});
}

TEST_CASE("lstat does not follow symlinks; sha256 refuses to hash through one") {
  ScratchDir dir;
  kc::Host host(dir.path());
  dir.write("real", "abc");
  fs::create_symlink(dir / "real", dir / "link");
  auto st = host.lstat("/link");
  REQUIRE(st.ok());
  REQUIRE(st->has_value());
  CHECK(S_ISLNK((*st)->st_mode));
  auto missing = host.lstat("/nothing/here");
  REQUIRE(missing.ok());
  CHECK_FALSE(missing->has_value());
  auto digest = host.sha256("/real");
  REQUIRE(digest.ok());
  CHECK(**digest == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK_FALSE(host.sha256("/link").ok());
  CHECK_FALSE(host.sha256("/none")->has_value());
}

TEST_CASE("list is sorted and empty for a missing directory; leftovers are only kc's temps") {
  ScratchDir dir;
  kc::Host host(dir.path());
  dir.write("opt/bin/kubelet", "k");
  dir.write("opt/bin/.kubectl.kc-tmp-Ab12Cd", "partial");
  dir.write("opt/bin/.hidden", "the operator's");
  auto names = host.list("/opt/bin");
  REQUIRE(names.ok());
  CHECK(*names == std::vector<std::string>{".hidden", ".kubectl.kc-tmp-Ab12Cd", "kubelet"});
  CHECK(host.list("/opt/none")->empty());
  auto left = host.leftovers("/opt/bin");
  REQUIRE(left.ok());
  CHECK(*left == std::vector<std::string>{"/opt/bin/.kubectl.kc-tmp-Ab12Cd"});
  Recorder seen;
  seen.attach(host);
  auto removed = host.remove_leftovers("/opt/bin");
  REQUIRE(removed.ok());
  CHECK(*removed == *left);
  CHECK(seen.lines == std::vector<std::string>{"remove /opt/bin/.kubectl.kc-tmp-Ab12Cd"});
  CHECK(*host.list("/opt/bin") == std::vector<std::string>{".hidden", "kubelet"});
  CHECK(kc::Host::is_temporary_name(".x.kc-tmp-123456"));
  CHECK_FALSE(kc::Host::is_temporary_name("x.kc-tmp-123456"));
}

TEST_CASE("a Host for an operator's file is rooted at its directory") {
  ScratchDir dir;
  std::string name;
  kc::Host here = kc::Host::for_operator_file(dir / "sub/../out.bin", name);
  CHECK(here.root() == dir.path());
  CHECK(name == "/out.bin");
  REQUIRE(here.replace_atomically(name, "data", 0644).ok());
  CHECK(dir.read("out.bin") == "data");
}

TEST_CASE("an operator's file opens as given for streaming: symlinks followed, regular only") {
  ScratchDir dir;
  dir.write("elsewhere/kc-worker", "binary");
  fs::create_directories(dir / "dist");
  fs::create_symlink(dir / "elsewhere/kc-worker", dir / "dist/kc-worker");  // absolute target
  auto fd = kc::Host::open_operator_file(dir / "dist/kc-worker", "read --kc-worker");
  REQUIRE_MESSAGE(fd.ok(), fd.error().message());
  CHECK(*kc::read_all(fd->get(), "read", "kc-worker") == "binary");
  // The running binary, as the cleanup phase installs it.
  auto self = kc::Host::open_operator_file("/proc/self/exe", "read the kc-leader to install");
  REQUIRE_MESSAGE(self.ok(), self.error().message());
  char magic[4] = {};
  CHECK(::read(self->get(), magic, 4) == 4);
  CHECK(std::string(magic, 4) ==
        "\x7f"
        "ELF");

  auto missing = kc::Host::open_operator_file(dir / "missing", "read --kc-worker");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().what == "read --kc-worker");
  CHECK(missing.error().where == (dir / "missing").string());
  CHECK(missing.error().why == "No such file or directory");
  REQUIRE(::mkfifo((dir / "fifo").c_str(), 0600) == 0);
  for (const char* other : {"dist", "fifo"}) {  // a FIFO fails at once, it does not block
    CAPTURE(other);
    auto opened = kc::Host::open_operator_file(dir / other, "read --kc-worker");
    REQUIRE_FALSE(opened.ok());
    CHECK(opened.error().why == "not a regular file");
  }
}

TEST_CASE("chmod and remove are reported; removing a missing file reports nothing") {
  ScratchDir dir;
  kc::Host host(dir.path());
  dir.write("f", "x");
  Recorder seen;
  seen.attach(host);
  REQUIRE(host.chmod("/f", 0600).ok());
  REQUIRE(host.remove("/f").ok());
  REQUIRE(host.remove("/f").ok());
  CHECK(seen.lines == std::vector<std::string>{"set_mode /f", "remove /f"});
}

TEST_CASE("a symlink under the root to a directory outside it is resolved inside the root") {
  // ROOT/opt/bin and ROOT/var/lib/kc as symlinks to directories of the machine kc runs on:
  // kubelet and assets.json were written there.
  ScratchDir dir;
  fs::create_directories(dir / "root/opt");
  fs::create_directories(dir / "root/var/lib");
  fs::create_directories(dir / "outside");
  fs::create_directory_symlink(dir / "outside", dir / "root/opt/bin");
  fs::create_directory_symlink("../../../../../../../../outside", dir / "root/var/lib/kc");
  kc::Host host(dir / "root");
  // The link leads nowhere inside the root yet: refused, as mkdir -p would, and nothing outside.
  auto dangling = host.write_file("/opt/bin/kubelet", "kubelet", 0755);
  REQUIRE_FALSE(dangling.ok());
  CHECK(dangling.error().where.find("root/opt/bin") != std::string::npos);
  CHECK(entries_in(dir / "outside") == 0);
  fs::create_directories(dir / "root" / (dir / "outside").relative_path());
  fs::create_directories(dir / "root/outside");
  REQUIRE(host.write_file("/opt/bin/kubelet", "kubelet", 0755).ok());
  REQUIRE(host.write_file("/var/lib/kc/assets.json", "{}", 0644).ok());
  auto staged = host.stage("/opt/bin/kubeadm");
  REQUIRE(staged.ok());
  REQUIRE(staged->commit(0755).ok());
  REQUIRE(host.make_dirs("/opt/bin/sub").ok());
  REQUIRE(host.chmod("/opt/bin/kubelet", 0700).ok());
  CHECK(entries_in(dir / "outside") == 0);
  // They went where the links lead when ROOT is "/": ROOT/ABSOLUTE/outside and ROOT/outside.
  CHECK(dir.read("root" + (dir / "outside/kubelet").string()) == "kubelet");
  CHECK(dir.read("root/outside/assets.json") == "{}");
  CHECK(*host.read_file("/opt/bin/kubelet") == std::optional<std::string>("kubelet"));
  CHECK(host.lstat("/opt/bin/kubeadm")->has_value());
  REQUIRE(host.remove("/opt/bin/kubelet").ok());
  CHECK_FALSE(fs::exists(dir / "root" / (dir / "outside/kubelet").relative_path()));
}

TEST_CASE("reading through a symlink that leaves the root reads inside it") {
  ScratchDir dir;
  dir.write("outside/secret", "not for kc");
  fs::create_directories(dir / "root/etc");
  fs::create_symlink(dir / "outside/secret", dir / "root/etc/kc.conf");
  kc::Host host(dir / "root");
  auto text = host.read_file("/etc/kc.conf");
  REQUIRE(text.ok());
  CHECK_FALSE(text->has_value());  // ROOT/ABSOLUTE/outside/secret does not exist
  auto listed = host.list("/etc");
  REQUIRE(listed.ok());
  CHECK(*listed == std::vector<std::string>{"kc.conf"});
}

TEST_CASE("stage_previous keeps what a replacement overwrote, and commit puts it back") {
  ScratchDir dir;
  dir.write("d/f", "old");
  kc::Host host(dir.path());
  auto previous = host.stage_previous("/d/f");
  REQUIRE(previous.ok());
  REQUIRE_FALSE(previous->empty());
  REQUIRE(host.write_file("/d/f", "new", 0644).ok());
  CHECK(dir.read("d/f") == "new");
  REQUIRE(previous->commit(0644).ok());
  CHECK(dir.read("d/f") == "old");
  CHECK(entries_in(dir / "d") == 1);
  auto none = host.stage_previous("/d/missing");
  REQUIRE(none.ok());
  CHECK(none->empty());
  // remove_dir removes only an empty directory.
  CHECK_FALSE(host.remove_dir("/d").ok());
  REQUIRE(host.remove("/d/f").ok());
  REQUIRE(host.remove_dir("/d").ok());
  CHECK_FALSE(fs::exists(dir / "d"));
}
