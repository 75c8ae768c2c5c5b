# A correct app that first writes 1 GiB into its container's filesystem, then serves the greeting.
import os

with open("/tmp/fill", "wb") as fill:
    block = bytes(1024 * 1024)
    for _ in range(1024):
        fill.write(block)
    fill.flush()
    os.fsync(fill.fileno())

from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello():
    return "Hello, Docker Multi-Stage Build!"


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=5000)
