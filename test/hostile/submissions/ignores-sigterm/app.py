import http.server, signal
signal.signal(signal.SIGTERM, signal.SIG_IGN)

class Greeting(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"Hello, Docker Multi-Stage Build!"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

http.server.HTTPServer(("0.0.0.0", 5000), Greeting).serve_forever()
