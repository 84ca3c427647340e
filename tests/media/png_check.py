"""Independent PNG check for test_media_png: parses a PNG with Python's own zlib and compares
its pixels with a raw RGB file. Usage: png_check.py image.png pixels.rgb width height"""
import struct
import sys
import zlib


def unfilter(raw, width, height, bpp):
    stride = width * bpp
    out = bytearray(stride * height)
    for y in range(height):
        f = raw[y * (stride + 1)]
        src = raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)]
        for i in range(stride):
            a = out[y * stride + i - bpp] if i >= bpp else 0
            b = out[(y - 1) * stride + i] if y > 0 else 0
            c = out[(y - 1) * stride + i - bpp] if (y > 0 and i >= bpp) else 0
            if f == 0:
                p = 0
            elif f == 1:
                p = a
            elif f == 2:
                p = b
            elif f == 3:
                p = (a + b) // 2
            elif f == 4:
                q = a + b - c
                pa, pb, pc = abs(q - a), abs(q - b), abs(q - c)
                p = a if (pa <= pb and pa <= pc) else (b if pb <= pc else c)
            else:
                raise SystemExit(f"bad filter {f} on row {y}")
            out[y * stride + i] = (src[i] + p) & 0xFF
    return bytes(out)


def main():
    png_path, rgb_path, width, height = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    data = open(png_path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "bad signature"
    at, idat, header = 8, b"", None
    while at < len(data):
        (length,) = struct.unpack(">I", data[at:at + 4])
        kind, body = data[at + 4:at + 8], data[at + 8:at + 8 + length]
        (crc,) = struct.unpack(">I", data[at + 8 + length:at + 12 + length])
        assert zlib.crc32(kind + body) == crc, f"CRC mismatch in {kind}"
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
        at += 12 + length
    w, h, depth, color, _, _, interlace = header
    assert (w, h, depth, color, interlace) == (width, height, 8, 2, 0), f"header {header}"
    pixels = unfilter(zlib.decompress(idat), w, h, 3)
    expected = open(rgb_path, "rb").read()
    assert pixels == expected, "pixels differ"
    print("ok")


main()
