#!/usr/bin/env bash
# Both binaries are fully static: `file` says so, ldd finds nothing, and inside an empty chroot
# holding only the binary, /etc/hosts, /etc/passwd, /etc/nsswitch.conf (Flatcar's),
# /etc/resolv.conf and a test CA, each runs --version and downloads a file over HTTPS from a real
# nginx on loopback, reached by a host name listed in /etc/hosts; the trust store follows
# --ca-file, SSL_CERT_FILE, SSL_CERT_DIR and Flatcar's default bundle in the documented order.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ "${KC_STATIC:-1}" = 1 ] || skip "this build is not static (-Dstatic=false)"
[ "$(id -u)" = 0 ] || skip "chroot needs root"
# The trust store is under test: none of the caller's settings may leak into it.
unset SSL_CERT_FILE SSL_CERT_DIR CURL_CA_BUNDLE

host=mirror.kc.test
make_test_ca "$SCRATCH/tls" "$host"
mkdir -p "$SCRATCH/www/files"
head -c 3000000 /dev/urandom >"$SCRATCH/www/files/payload.bin"
digest=$(sha256sum "$SCRATCH/www/files/payload.bin" | cut -d' ' -f1)
start_nginx "$SCRATCH/www" "$SCRATCH/tls"

for bin in "$KC_LEADER" "$KC_WORKER"; do
  name=$(basename "$bin")
  file -L "$bin" | grep -q "statically linked" || fail "$name: file does not say statically linked: $(file -L "$bin")"
  if ldd "$bin" >/dev/null 2>&1; then fail "$name: ldd found dynamic dependencies: $(ldd "$bin")"; fi

  jail="$SCRATCH/jail-$name"
  mkdir -p "$jail/etc" "$jail/out"
  cp "$bin" "$jail/$name"
  cp "$SCRATCH/tls/ca.pem" "$jail/ca.pem"
  echo "127.0.0.1 $host" >"$jail/etc/hosts"
  echo "root:x:0:0:root:/root:/bin/sh" >"$jail/etc/passwd"
  echo "hosts: files usrfiles resolve [!UNAVAIL=return] dns" >"$jail/etc/nsswitch.conf"
  echo "nameserver 127.0.0.53" >"$jail/etc/resolv.conf"
  [ "$(find "$jail" -type f | wc -l)" = 6 ] || fail "the chroot holds more than it should"

  out=$(chroot "$jail" "/$name" --version) || fail "$name --version failed in the chroot"
  expect_match "$out" "^$name " "$name --version in chroot"

  chroot "$jail" "/$name" fetch "https://$host:$NGINX_PORT/files/payload.bin" \
    -o /out/payload.bin --ca-file /ca.pem --sha256 "$digest" \
    || fail "$name: HTTPS download inside the chroot failed"
  cmp -s "$jail/out/payload.bin" "$SCRATCH/www/files/payload.bin" || fail "$name: downloaded file differs"

  # Without the test CA the server is not trusted, and nothing is written.
  expect_exit 1 chroot "$jail" "/$name" fetch "https://$host:$NGINX_PORT/files/payload.bin" -o /out/untrusted.bin
  [ ! -e "$jail/out/untrusted.bin" ] || fail "$name wrote a file from an untrusted server"
  # A wrong digest fails and leaves nothing behind either.
  expect_exit 1 chroot "$jail" "/$name" fetch "https://$host:$NGINX_PORT/files/payload.bin" \
    -o /out/wrong.bin --ca-file /ca.pem --sha256 "$(printf '%064d' 0)"
  [ -z "$(ls -A "$jail/out" | grep -v '^payload.bin$')" ] || fail "$name left files behind: $(ls -A "$jail/out")"

  # The trust store, in the documented order (common/net/http.h): SSL_CERT_FILE without
  # --ca-file ...
  SSL_CERT_FILE=/ca.pem chroot "$jail" "/$name" fetch "https://$host:$NGINX_PORT/files/payload.bin" \
    -o /out/env-file.bin --sha256 "$digest" || fail "$name ignored SSL_CERT_FILE"
  # ... --ca-file wins over it (a valid bundle without the mirror's CA: an empty file would fail
  # to load and prove nothing) ...
  [ -e "$SCRATCH/other-ca.pem" ] || openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
    -nodes -days 2 -subj "/CN=kc other CA" -keyout "$SCRATCH/other-ca.key" \
    -out "$SCRATCH/other-ca.pem" 2>/dev/null
  cp "$SCRATCH/other-ca.pem" "$jail/other-ca.pem"  # a valid bundle without the mirror's CA
  expect_exit 1 env SSL_CERT_FILE=/ca.pem chroot "$jail" "/$name" fetch \
    "https://$host:$NGINX_PORT/files/payload.bin" -o /out/flag-wins.bin --ca-file /other-ca.pem
  # ... SSL_CERT_DIR, a directory of hashed certificates as `openssl rehash` writes it ...
  mkdir -p "$jail/certs"
  cp "$SCRATCH/tls/ca.pem" "$jail/certs/$(openssl x509 -hash -noout -in "$SCRATCH/tls/ca.pem").0"
  SSL_CERT_DIR=/certs chroot "$jail" "/$name" fetch "https://$host:$NGINX_PORT/files/payload.bin" \
    -o /out/env-dir.bin --sha256 "$digest" || fail "$name ignored SSL_CERT_DIR"
  # ... each replacing only its own default: an SSL_CERT_FILE without the CA leaves the
  # directory trusted; --ca-file wins over both variables ...
  SSL_CERT_FILE=/other-ca.pem SSL_CERT_DIR=/certs chroot "$jail" "/$name" fetch \
    "https://$host:$NGINX_PORT/files/payload.bin" -o /out/env-both.bin --sha256 "$digest" ||
    fail "$name: SSL_CERT_FILE hid SSL_CERT_DIR"
  expect_exit 1 env SSL_CERT_DIR=/certs chroot "$jail" "/$name" fetch \
    "https://$host:$NGINX_PORT/files/payload.bin" -o /out/dir-flag-wins.bin --ca-file /other-ca.pem
  [ ! -e "$jail/out/dir-flag-wins.bin" ] || fail "$name trusted SSL_CERT_DIR over --ca-file"
  # ... and with neither, Flatcar's bundle path, libcurl's built-in default.
  mkdir -p "$jail/etc/ssl/certs" && cp "$SCRATCH/tls/ca.pem" "$jail/etc/ssl/certs/ca-certificates.crt"
  chroot "$jail" "/$name" fetch "https://$host:$NGINX_PORT/files/payload.bin" \
    -o /out/default.bin --sha256 "$digest" || fail "$name did not trust /etc/ssl/certs/ca-certificates.crt"
  [ ! -e "$jail/out/flag-wins.bin" ] || fail "$name trusted SSL_CERT_FILE over --ca-file"
  # --ca-file is all that is trusted, not also the default directory, which on Flatcar holds
  # every public CA as hashed links.
  cp "$jail/certs/"*.0 "$jail/etc/ssl/certs/"
  rm "$jail/etc/ssl/certs/ca-certificates.crt"
  chroot "$jail" "/$name" fetch "https://$host:$NGINX_PORT/files/payload.bin" \
    -o /out/default-dir.bin --sha256 "$digest" || fail "$name did not trust /etc/ssl/certs"
  expect_exit 1 chroot "$jail" "/$name" fetch "https://$host:$NGINX_PORT/files/payload.bin" \
    -o /out/dir-beside-flag.bin --ca-file /other-ca.pem
  [ ! -e "$jail/out/dir-beside-flag.bin" ] || fail "$name trusted /etc/ssl/certs beside --ca-file"

  stripped="$SCRATCH/$name.stripped"
  strip -o "$stripped" "$bin"
  size=$(stat -c %s "$stripped")
  # kc-worker is fetched by every worker at its first boot, so it keeps the tight target;
  # kc-leader (add-ons, templates, kc-serve) is copied once, by hand, to the leader.
  limit=10000000
  [ "$name" = kc-leader ] && limit=16000000
  [ "$size" -le "$limit" ] || fail "$name: stripped size $size bytes exceeds the target of $limit bytes"
  echo "$name: static, works in an empty chroot; stripped size $size bytes"
done
