import sys

line = "starting up: " + "." * 1010 + "\n"
for _ in range(300 * 1024):
    sys.stdout.write(line)
sys.stdout.flush()
