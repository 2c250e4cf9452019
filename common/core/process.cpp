#include "common/core/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <map>

#include <fmt/format.h>

#include "common/core/fd.h"

extern char** environ;

namespace kc {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kLastLines = 20;
constexpr std::size_t kMaxCapture = std::size_t{16} << 20;

// The inherited environment with spec's entries added or replacing those of the same name.
std::vector<std::string> child_environment(const std::vector<std::string>& extra) {
  std::map<std::string, std::string> merged;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry(*e);
    merged[std::string(entry.substr(0, entry.find('=')))] = std::string(entry);
  }
  for (const auto& entry : extra) merged[entry.substr(0, entry.find('='))] = entry;
  std::vector<std::string> out;
  out.reserve(merged.size());
  for (auto& [name, entry] : merged) out.push_back(std::move(entry));
  return out;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// The child's standard input: an anonymous in-memory file holding the data (no pipe to keep
// fed, no SIGPIPE when the child does not read it all).
Result<UniqueFd> stdin_file(const std::optional<std::string>& data) {
  if (!data) {
    UniqueFd fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (!fd) return errno_error("open", "/dev/null");
    return fd;
  }
  UniqueFd fd(::memfd_create("kc-stdin", MFD_CLOEXEC));
  if (!fd) return errno_error("create", "the standard input of a child process");
  std::size_t done = 0;
  while (done < data->size()) {
    ssize_t n = ::write(fd.get(), data->data() + done, data->size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_error("write", "the standard input of a child process");
    done += static_cast<std::size_t>(n);
  }
  if (::lseek(fd.get(), 0, SEEK_SET) != 0)
    return errno_error("rewind", "the standard input of a child process");
  return fd;
}

// Splits one stream into lines as its bytes come.
class LineReader {
 public:
  LineReader(ProcessStream stream, const ProcessSpec& spec, ProcessResult& result,
             std::deque<std::string>& last)
      : stream_(stream), spec_(spec), result_(result), last_(last) {}

  void feed(const char* data, std::size_t size) {
    if (stream_ == ProcessStream::out && spec_.capture_stdout) {
      std::size_t room = kMaxCapture - std::min(kMaxCapture, result_.standard_output.size());
      result_.standard_output.append(data, std::min(size, room));
    }
    partial_.append(data, size);
    std::size_t start = 0;
    for (std::size_t nl; (nl = partial_.find('\n', start)) != std::string::npos; start = nl + 1)
      emit(std::string_view(partial_).substr(start, nl - start));
    partial_.erase(0, start);
  }
  void finish() {
    if (!partial_.empty()) emit(partial_);
    partial_.clear();
  }

 private:
  void emit(std::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (spec_.on_line) spec_.on_line(stream_, line);
    last_.emplace_back(line);
    if (last_.size() > kLastLines) last_.pop_front();
  }

  ProcessStream stream_;
  const ProcessSpec& spec_;
  ProcessResult& result_;
  std::deque<std::string>& last_;
  std::string partial_;
};

}  // namespace

std::string ProcessSpec::describe() const {
  std::string out;
  for (const auto& arg : argv) {
    if (!out.empty()) out += ' ';
    out += arg;
  }
  return out;
}

std::string ProcessResult::describe_end() const {
  if (timed_out) {
    auto seconds = std::chrono::duration_cast<std::chrono::seconds>(elapsed).count();
    return fmt::format("timed out after {} s", seconds);
  }
  if (signal != 0) return fmt::format("was killed by signal {} ({})", signal, ::strsignal(signal));
  return fmt::format("exited with status {}", exit_code);
}

Result<ProcessResult> run_process(const ProcessSpec& spec) {
  const std::string what = "start " + (spec.argv.empty() ? std::string("?") : spec.argv[0]);
  if (spec.argv.empty() || spec.argv[0].empty() || spec.argv[0][0] != '/')
    return Error{what, spec.describe(), "the program is not named by an absolute path", ""};

  auto input = stdin_file(spec.stdin_data);
  if (!input) return std::move(input).error().context(what);
  int out_pipe[2];
  int err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) return errno_error(what, "a pipe");
  UniqueFd out_read(out_pipe[0]), out_write(out_pipe[1]);
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) return errno_error(what, "a pipe");
  UniqueFd err_read(err_pipe[0]), err_write(err_pipe[1]);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, input->get(), STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out_write.get(), STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_write.get(), STDERR_FILENO);
  if (!spec.working_directory.empty())
    posix_spawn_file_actions_addchdir_np(&actions, spec.working_directory.c_str());
  // The child starts with default signal dispositions and an empty mask, whatever kc set.
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t all, none;
  sigfillset(&all);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attributes, &all);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

  std::vector<std::string> args = spec.argv;
  std::vector<std::string> env = child_environment(spec.environment);
  auto argv = c_strings(args);
  auto envp = c_strings(env);
  const auto started = Clock::now();
  pid_t pid = -1;
  int rc =
      ::posix_spawn(&pid, spec.argv[0].c_str(), &actions, &attributes, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (rc != 0) return errno_error(what, spec.argv[0], rc);
  out_write.reset();
  err_write.reset();
  input->reset();

  ProcessResult result;
  std::deque<std::string> last;
  LineReader out_lines(ProcessStream::out, spec, result, last);
  LineReader err_lines(ProcessStream::err, spec, result, last);
  const auto deadline = started + spec.timeout;
  std::optional<Clock::time_point> kill_at;
  bool exited = false;
  int wait_status = 0;

  // Reads once: what came, nothing yet (would block), or end of file.
  enum class Read { data, later, end };
  auto drain = [](UniqueFd& fd, LineReader& lines) {
    char buf[1 << 14];
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n > 0) {
      lines.feed(buf, static_cast<std::size_t>(n));
      return Read::data;
    }
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) return Read::later;
    lines.finish();
    fd.reset();
    return Read::end;
  };

  // Until the child has exited and its pipes are drained. A grandchild it left running may keep
  // the pipes open for ever, so the child's exit (not end of file) ends the wait.
  while (!exited || out_read || err_read) {
    if (!exited) {
      pid_t w = ::waitpid(pid, &wait_status, WNOHANG);
      if (w == pid) {
        exited = true;
        for (UniqueFd* fd : {&out_read, &err_read})
          if (*fd) ::fcntl(fd->get(), F_SETFL, ::fcntl(fd->get(), F_GETFL) | O_NONBLOCK);
      }
    }
    if (exited) {
      // Drain what is buffered without waiting for writers that outlive the child.
      while (out_read && drain(out_read, out_lines) == Read::data) {
      }
      while (err_read && drain(err_read, err_lines) == Read::data) {
      }
      out_lines.finish();
      err_lines.finish();
      break;
    }
    const auto now = Clock::now();
    if (spec.timeout.count() > 0 && now >= deadline && !kill_at) {
      result.timed_out = true;
      ::kill(pid, SIGTERM);
      kill_at = now + spec.kill_grace;
    }
    if (kill_at && now >= *kill_at) ::kill(pid, SIGKILL);

    pollfd fds[2];
    nfds_t count = 0;
    for (UniqueFd* fd : {&out_read, &err_read})
      if (*fd) fds[count++] = pollfd{fd->get(), POLLIN, 0};
    int ready = count > 0 ? ::poll(fds, count, 50) : (::usleep(20000), 0);
    if (ready <= 0) continue;
    for (nfds_t i = 0; i < count; ++i) {
      if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      if (out_read && fds[i].fd == out_read.get()) {
        drain(out_read, out_lines);
      } else if (err_read && fds[i].fd == err_read.get()) {
        drain(err_read, err_lines);
      }
    }
  }

  result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
  if (WIFEXITED(wait_status)) result.exit_code = WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) result.signal = WTERMSIG(wait_status);
  result.last_lines.assign(last.begin(), last.end());
  return result;
}

}  // namespace kc
