"""Serves the greeting only if, from inside, the container sees its sandbox; else says what is missing."""
import http.server

def read(path):
    try:
        with open(path) as handle:
            return handle.read().strip()
    except OSError:
        return None

def limited(v1, v2, unlimited_v1):
    value = read(v1)
    if value is not None:
        return int(value) < unlimited_v1
    value = read(v2)
    return value is not None and value != "max"

def status_field(name):
    for line in (read("/proc/self/status") or "").splitlines():
        if line.startswith(name + ":"):
            return line.split(":", 1)[1].strip()
    return None

def missing():
    problems = []
    if not limited("/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory.max", 2 ** 60):
        problems.append("memory limit")
    pids = read("/sys/fs/cgroup/pids/pids.max") or read("/sys/fs/cgroup/pids.max")
    if pids in (None, "max"):
        problems.append("pids limit")
    if status_field("CapEff") != "0000000000000000":
        problems.append("capabilities %s" % status_field("CapEff"))
    if status_field("NoNewPrivs") != "1":
        problems.append("NoNewPrivs %s" % status_field("NoNewPrivs"))
    return problems

class Probe(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        problems = missing()
        body = ("Hello, Docker Multi-Stage Build!" if not problems else "sandbox missing: " + ", ".join(problems)).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

print("sandbox problems:", missing(), flush=True)
http.server.HTTPServer(("0.0.0.0", 5000), Probe).serve_forever()
