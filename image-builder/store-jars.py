"""Rewrites each jar named on stdin (one path a line) with every entry stored, not deflated.

The appliance's initramfs is compressed as a whole (zstd), which packs class files far better than
deflate does one entry at a time; deflated entries it can hardly compress again. Entries keep their
order, names, times and attributes, so the same jar always gives the same bytes; signed jars stay
valid (signatures cover the entries' uncompressed contents).
"""
import os
import sys
import zipfile

for path in (line.rstrip("\n") for line in sys.stdin):
    if not path:
        continue
    tmp = path + ".stored"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED) as stored:
        for entry in source.infolist():
            copy = zipfile.ZipInfo(entry.filename, entry.date_time)
            copy.compress_type = zipfile.ZIP_STORED
            copy.external_attr = entry.external_attr
            copy.create_system = entry.create_system
            copy.comment = entry.comment
            stored.writestr(copy, source.read(entry))
        stored.comment = source.comment
    os.replace(tmp, path)
