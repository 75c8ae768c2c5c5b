# Touches 4 GiB: far above the sandbox's memory limit.
hog = bytearray(4 * 1024 ** 3)
print(len(hog))
