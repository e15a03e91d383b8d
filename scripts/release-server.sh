#!/usr/bin/env bash
# Sourced by the tests of action/install.sh (action/test-install.sh) and of the release pin
# (scripts/test-release-pin.sh): one local release server for both. It serves a folder on
# 127.0.0.1 the way GitHub serves release downloads (`/v<version>/<asset>`), with real HTTP
# for real curl, and appends each requested path to a log.
#
#   start_release_server DIR LOG
#     serves DIR; sets release_server_pid (kill it when done) and release_base
#     (http://127.0.0.1:PORT, for SECRETGATE_DOWNLOAD_BASE); requested paths go to LOG.

start_release_server() {
  local root="$1" log="$2"
  local script="$log.server.py" port_file="$log.port"
  : > "$log"
  rm -f "$port_file"
  cat > "$script" <<'PY'
import http.server, os, sys
root, port_file, log = sys.argv[1], sys.argv[2], sys.argv[3]
class Handler(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *a, **kw):
        super().__init__(*a, directory=root, **kw)
    def log_message(self, fmt, *args):
        with open(log, "a") as f:
            f.write(self.path + "\n")
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.replace(port_file + ".tmp", port_file)
server.serve_forever()
PY
  python3 "$script" "$root" "$port_file" "$log" &
  # shellcheck disable=SC2034 # read by the script that sources this file
  release_server_pid=$!
  for _ in $(seq 50); do [ -s "$port_file" ] && break; sleep 0.1; done
  if [ ! -s "$port_file" ]; then
    echo "release-server: the server for $root did not start" >&2
    return 1
  fi
  # shellcheck disable=SC2034 # read by the script that sources this file
  release_base="http://127.0.0.1:$(cat "$port_file")"
}
