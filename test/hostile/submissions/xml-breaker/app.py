import http.server

BODY = b"]]> <![CDATA[ ]]> \x00 \x1b[31mred\x1b[0m \xff\xfe\xc3\x28 </testsuite> & <failure>"

class Breaker(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)
    def log_message(self, *args):
        print("\x1b[2J]]>\x00 log ]]>", flush=True)

http.server.HTTPServer(("0.0.0.0", 5000), Breaker).serve_forever()
