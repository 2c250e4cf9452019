// A stand-in HTTP/1.1 server for unit tests, in the test's own process: it speaks the real
// protocol (request line, headers, Content-Length, Range requests answered with 206 and
// Content-Range, Connection: close) over a real socket on 127.0.0.1, so libcurl is exercised as
// against nginx, without root or a child process. Bodies and faults are set per path; bodies can
// be paced (a rate per connection, as a CDN caps it, or one rate shared by all, as a full link).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

class HttpStandin {
 public:
  HttpStandin() {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;  // any free port
    ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(listen_fd_, 64);
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }
  ~HttpStandin() {
    stopping_ = true;
    ::shutdown(listen_fd_, SHUT_RDWR);
    ::close(listen_fd_);
    acceptor_.join();
    for (auto& t : workers_) t.join();
  }
  HttpStandin(const HttpStandin&) = delete;
  HttpStandin& operator=(const HttpStandin&) = delete;

  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  void serve(const std::string& path, std::string body) {
    std::lock_guard<std::mutex> hold(mutex_);
    bodies_[path] = std::move(body);
  }
  // The next responses for path have these statuses (e.g. {503, 503}), then it is served.
  void fail_next(const std::string& path, std::vector<int> statuses) {
    std::lock_guard<std::mutex> hold(mutex_);
    for (int s : statuses) faults_[path].push_back(s);
  }
  // Answers path with a 302 to location.
  void redirect(const std::string& path, const std::string& location) {
    std::lock_guard<std::mutex> hold(mutex_);
    redirects_[path] = location;
  }
  // Sends the headers and the first `bytes` of path's body, then nothing more (a stalled mirror);
  // with `once`, only the next response does, and later ones are served.
  void stall_after(const std::string& path, size_t bytes, bool once = false) {
    std::lock_guard<std::mutex> hold(mutex_);
    stalls_[path] = bytes;
    if (once) stall_once_.insert(path);
  }
  // Sends every body at most this fast: per connection, or shared by all connections at once.
  void pace(double bytes_per_second, bool shared) {
    std::lock_guard<std::mutex> hold(mutex_);
    pace_ = bytes_per_second;
    pace_shared_ = shared;
  }
  // Answers path without Content-Length: the body ends when the connection closes (HTTP/1.1
  // allows it with Connection: close), so a client learns the size only from its last byte.
  void omit_length(const std::string& path) {
    std::lock_guard<std::mutex> hold(mutex_);
    unsized_.insert(path);
  }
  // Request lines seen so far: "GET /x range=bytes=0-" ("range=-" without a Range header).
  std::vector<std::string> requests() const {
    std::lock_guard<std::mutex> hold(mutex_);
    return log_;
  }
  size_t requests_for(const std::string& path) const {
    size_t n = 0;
    for (const auto& r : requests()) n += r.rfind("GET " + path + " ", 0) == 0;
    return n;
  }

 private:
  void accept_loop() {
    while (!stopping_) {
      int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) {
        if (stopping_) return;
        continue;
      }
      std::lock_guard<std::mutex> hold(mutex_);
      workers_.emplace_back([this, fd] { handle(fd); });
    }
  }

  static void send_all(int fd, const std::string& data) {
    size_t off = 0;
    while (off < data.size()) {
      ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return;
      off += static_cast<size_t>(n);
    }
  }

  // Sends data in small pieces, each at its turn: per connection, or from one schedule for all.
  void send_paced(int fd, const std::string& data, double rate, bool shared) {
    using Clock = std::chrono::steady_clock;
    constexpr size_t kPiece = 4096;
    const auto per_piece =
        std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(kPiece / rate));
    auto mine = Clock::now();
    for (size_t off = 0; off < data.size() && !stopping_; off += kPiece) {
      Clock::time_point turn;
      if (shared) {
        std::lock_guard<std::mutex> hold(mutex_);
        turn = std::max(Clock::now(), shared_turn_);
        shared_turn_ = turn + per_piece;
      } else {
        turn = mine;
        mine += per_piece;
      }
      std::this_thread::sleep_until(turn);
      ssize_t n = ::send(fd, data.data() + off, std::min(kPiece, data.size() - off), MSG_NOSIGNAL);
      if (n <= 0) return;
    }
  }

  void handle(int fd) {
    std::string request;
    char buf[4096];
    while (request.find("\r\n\r\n") == std::string::npos) {
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      request.append(buf, static_cast<size_t>(n));
    }
    const size_t sp1 = request.find(' ');
    const size_t sp2 = request.find(' ', sp1 + 1);
    const std::string path = sp1 == std::string::npos ? "" : request.substr(sp1 + 1, sp2 - sp1 - 1);
    std::string range;
    for (const char* name : {"\r\nRange: ", "\r\nrange: "}) {
      const size_t at = request.find(name);
      if (at != std::string::npos) {
        const size_t start = at + std::string(name).size();
        range = request.substr(start, request.find("\r\n", start) - start);
      }
    }
    int status = 200;
    std::string body;
    bool found = false;
    std::string location;
    size_t stall = std::string::npos;
    double rate = 0;
    bool rate_shared = false;
    bool unsized = false;
    {
      std::lock_guard<std::mutex> hold(mutex_);
      log_.push_back("GET " + path + " range=" + (range.empty() ? "-" : range));
      if (auto r = redirects_.find(path); r != redirects_.end()) location = r->second;
      if (auto st = stalls_.find(path); st != stalls_.end()) {
        stall = st->second;
        if (stall_once_.erase(path) > 0) stalls_.erase(st);
      }
      rate = pace_;
      rate_shared = pace_shared_;
      unsized = unsized_.count(path) > 0;
      auto fault = faults_.find(path);
      if (fault != faults_.end() && !fault->second.empty()) {
        status = fault->second.front();
        fault->second.pop_front();
      }
      auto it = bodies_.find(path);
      if (it != bodies_.end()) {
        found = true;
        body = it->second;
      }
    }
    std::string head;
    bool whole = false;  // a 200 with the whole body
    if (!location.empty()) {
      send_all(fd, "HTTP/1.1 302 Found\r\nLocation: " + location +
                       "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
      ::close(fd);
      return;
    }
    if (stall != std::string::npos && found) {
      const std::string length =
          unsized ? "Accept-Ranges: bytes" : "Content-Length: " + std::to_string(body.size());
      send_all(fd, "HTTP/1.1 200 OK\r\n" + length + "\r\nConnection: close\r\n\r\n" +
                       body.substr(0, stall));
      while (!stopping_) std::this_thread::sleep_for(std::chrono::milliseconds(20));
      ::close(fd);
      return;
    }
    if (status != 200 || !found) {
      if (status == 200) status = 404;
      body = "error " + std::to_string(status) + "\n";
      head = "HTTP/1.1 " + std::to_string(status) + " Error\r\n";
    } else if (range.rfind("bytes=", 0) == 0) {
      const std::string spec = range.substr(6);
      const size_t dash = spec.find('-');
      const size_t first = std::strtoull(spec.substr(0, dash).c_str(), nullptr, 10);
      size_t last = body.size() - 1;
      if (dash + 1 < spec.size()) last = std::strtoull(spec.substr(dash + 1).c_str(), nullptr, 10);
      if (last >= body.size()) last = body.size() - 1;
      head = "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes " + std::to_string(first) + "-" +
             std::to_string(last) + "/" + std::to_string(body.size()) + "\r\n";
      body = first <= last ? body.substr(first, last - first + 1) : "";
    } else {
      head = "HTTP/1.1 200 OK\r\n";
      whole = true;
    }
    head += "Accept-Ranges: bytes\r\n";
    if (!unsized || !whole) head += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    head += "Connection: close\r\n\r\n";
    if (rate > 0) {
      send_all(fd, head);
      send_paced(fd, body, rate, rate_shared);
    } else {
      send_all(fd, head + body);
    }
    ::shutdown(fd, SHUT_WR);
    ::close(fd);
  }

  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  mutable std::mutex mutex_;
  std::vector<std::thread> workers_;
  std::map<std::string, std::string> bodies_;
  std::map<std::string, std::deque<int>> faults_;
  std::map<std::string, std::string> redirects_;
  std::map<std::string, size_t> stalls_;
  std::set<std::string> unsized_;
  std::set<std::string> stall_once_;
  double pace_ = 0;
  bool pace_shared_ = false;
  std::chrono::steady_clock::time_point shared_turn_{};
  std::vector<std::string> log_;
};
