#!/usr/bin/env python3
"""Writes the seed corpora fuzz/corpus/<target>/ (synthetic data only, SPEC P7).

usage: fuzz/make_seeds.py [--leakdex BIN]

Text seeds are written from the literals below. With --leakdex, small indexes are
built with that binary (random key, synthetic records) and written as segment
seeds (segment/) and packed index seeds (index/, see fuzz_index.cpp). Rerunning
rewrites every seed; index seeds differ run to run (random key).
"""
import argparse
import bz2
import gzip
import io
import lzma
import tarfile
import zipfile
import os
import struct
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))

NDJSON = [
    b'{"_index":"p","_source":{"xm":"\\u5f20\\u4e09","sjhm":13812345678,"sfzh":"110101199003074518"}}\n',
    '{"_source":{"xm":"王小明","sjhm":"139 1234 5678","dz":"上海市黄浦区南京东路1号","csrq":"19900307"}}\n'
    '{"name":"Li Lei","phone":"+86 138-0013-8000","email":"LI.lei@Example.com"}\n'.encode(),
    b'{"sender":{"name":"A","phone":"13800138000"},"recipient":{"name":"B","phone":"13900139000"}}\r\n'
    b'\n{"a":[1,2,{"b":"c"}],"t":true,"n":null,"f":-1.5e3}\n{"unterminated":"x\n{"x":1} trailing\n',
    b'[{"a":1}]\n\xef\xbb\xbf{"bom":"y"}\n{"deep":' + b'[' * 40 + b']' * 40 + b'}\n{"bad":"\xff\xfe"}\n',
    '{"_source":{"姓名":"张三","手机号":"13812345678","身份证号":"11010119900307451X"}}'.encode(),
]
CSV = [
    '姓名,性别,出生日期,身份证号,手机号,地址\n张三,男,19900307,110101199003074518,13812345678,上海市黄浦区南京东路1号\n'.encode(),
    b'\xef\xbb\xbfname,phone,address\r\n"Wang, Wei",13812345678,"Line 1\nLine 2"\r\n"He said ""hi""",139,plain\r\nname,phone,address\r\nlast,137,end',
    b'a,b\n1,2\n1,2,3\n"open,2\n5,6\n',
    b'sender_name\tsender_phone\trecipient_name\trecipient_phone\nA\t13800138000\tB\t13900139000\n',
    b'xm|sjhm|dz\nx|13812345678|y\n\n\n|||\n',
    b'x,13812345678\ny,139\n"a""b",""\n"",\r\n',
]
JSON = [  # JSON arrays, ES bulk and search pages, mongoexport (sources/ndjson_source.cpp)
    '[{"name":"王伟","phone":"13800138000"},{"name":"Li Lei","phone":"+86 139 0013 9000"}]'.encode(),
    b'{"index":{"_index":"p","_id":"1"}}\n{"xm":"x","sjhm":"13800138000"}\n{"delete":{"_id":"2"}}\n',
    b'{"_scroll_id":"x","hits":{"hits":[{"_source":{"a":"1"}},{"_source":{"sjhm":"13700137000"}}]}}',
    b'{"_id":{"$oid":"5f1d7a"},"phone":{"$numberLong":"13800138000"},"born":{"$date":{"$numberLong":"0"}}}\n',
    b'[\n  {"a": [1, 2, {"b": null}]},\n  {"c": "\\ud83d\\ude00"},\n  3, "x", [], {}\n]\n[{"second":"array"}',
    b'[{"a":1},,{"b":2}]{"after":true} [1',
]
SQL = [
    """-- MySQL dump 10.13
/*!40101 SET NAMES utf8mb4 */;
DROP TABLE IF EXISTS `users`;
CREATE TABLE `users` (
  `id` int NOT NULL AUTO_INCREMENT,
  `name` varchar(64) DEFAULT NULL COMMENT 'real name, (given) ; family',
  `phone` varchar(20) DEFAULT NULL,
  `photo` blob,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
INSERT INTO `users` VALUES (1,'王伟','13800138000',NULL),(2,'O\\'Brien','13900139000',0x89504E47),(3,'a''b),(c;d','13700137000',_binary 'x\\0y'),
(4,'line\\nbreak',NULL,X'E5BCA0');
CREATE TABLE `orders` (`oid` bigint, `recipient_name` varchar(32), `recipient_phone` varchar(20));
INSERT INTO `orders` (`oid`, `recipient_name`, `recipient_phone`) VALUES (10,'李娜','13600136000');
""".encode(),
    b"""CREATE TABLE public.customers (id integer, name text, mobile text);
COPY public.customers (id, name, mobile) FROM stdin;
1\tZhang San\t13800138000
2\t\\N\t13900139000
\\.
INSERT INTO "customers" ("id","name","mobile") VALUES (3, E'O\\'x', '137');
""",
    b"INSERT INTO t VALUES (1,'unterminated\n;\nINSERT INTO t (a,b) VALUES (1),(2,3,4);\nINSERT INTO `x` VALUES ((1),'a');",
]
NORMALIZE = {  # attribute number (identity.h) -> raw values
    0: ['张三', ' Wang  Wei ', 'ＬＩ　ＬＥＩ', '欧阳 娜娜', 'NULL', '张*', '\u00e9\u0301', '沈伟'],
    1: ['13812345678', '+86 138-1234-5678', '008613812345678', '138****5678', '1.38123E+10', '１３８１２３４５６７８',
        '13812345678/13912345678', '021-12345678', '+1 415 555 0100'],
    2: ['LI.lei@Example.COM', 'a@b', '无', 'x@ｅｘａｍｐｌｅ.com'],
    3: ['11010119900307451x', '110101199003074518', '110101900307451', '123'],
    4: ['上海市黄浦区南京东路1号', '上海市 黄浦区 南京东路 １号 ', '-', 'Room 5, 1 Main St',
        # 沈 changes under t2s only inside a few phrases (沈船 -> 沉船): T2s::MayChangeAt.
        '辽宁省沈阳市和平区南京北街1号', '沈阳市沈(x)船路1号'],
    5: ['19900307', '1990-03-07', '1990/3/7', '19901307', '0'],
}
COLUMNS = ['姓名', 'sjhm', '_source.sfzh', 'sender_phone', '收件人电话', 'recipient.name', 'Phone_Number',
           ' \ufeffxm ', 'phone=sjhm', 'sender.name=3', 'recipient.phone=_source.sjhr', 'delivery_record=order_id',
           'nobody.x=1', 'phone=0', '=x', 'phone=']


def write(target, name, data):
    d = os.path.join(HERE, 'corpus', target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data)


def pack(files):
    out = b''
    for i, data in enumerate(files):
        out += (data if i == len(files) - 1 else struct.pack('<I', len(data)) + data)
    return out


def packed_all(files):
    return b''.join(struct.pack('<I', len(d)) + d for d in files)


ENC_TEXT = '姓名,手机号,地址\n王伟,13800138000,上海市黄浦区南京东路1号\n李娜,139 0013 9000,北京市\n'


def encoded_seeds():
    """Seeds for the decode target: (name, option byte, bytes)."""
    t = ENC_TEXT
    return [
        ('auto-utf8', 0, t.encode()),
        ('auto-utf8bom', 0, b'\xef\xbb\xbf' + t.encode()),
        ('auto-gb18030', 0, t.encode('gb18030')),
        ('gb18030-4byte', 2, '\u20ac\U0001f600 \u00e9 '.encode('gb18030') + t.encode('gb18030')),
        ('auto-utf16le-bom', 0, t.encode('utf-16')),
        ('auto-utf16be-bom', 0, b'\xfe\xff' + t.encode('utf-16-be')),
        ('auto-utf16le-nobom', 0, t.encode('utf-16-le')),
        ('utf16le', 3, t.encode('utf-16-le') + b'\x00\xd8A\x00'),  # a lone surrogate
        ('utf16be', 4, t.encode('utf-16-be') + b'\x00'),  # odd length
        ('utf8-damaged', 1, t.encode()[:7] + b'\xff\xc3' + t.encode()[7:]),
        ('gb18030-damaged', 2, t.encode('gb18030')[:5] + b'\x81\n\x81\x30' + t.encode('gb18030')[5:]),
    ]


def container_seeds():
    """Seeds for the container target: compressed files and archives of small text."""
    csv = ENC_TEXT.encode()
    nd = NDJSON[0]
    out = [('plain', csv), ('gzip', gzip.compress(csv, mtime=0)), ('bzip2', bz2.compress(nd)),
           ('xz', lzma.compress(csv)), ('gzip-gb18030', gzip.compress(ENC_TEXT.encode('gb18030'), mtime=0)),
           ('gzip-truncated', gzip.compress(csv * 4, mtime=0)[:40])]
    z = io.BytesIO()
    with zipfile.ZipFile(z, 'w', zipfile.ZIP_DEFLATED) as zf:
        zf.writestr('a/persons.csv', csv)
        zf.writestr('b.ndjson', nd)
        zf.writestr('c.sql', SQL[1])
    out.append(('zip', z.getvalue()))
    for mode, name in (('w', 'tar'), ('w:gz', 'tar.gz')):
        t = io.BytesIO()
        with tarfile.open(fileobj=t, mode=mode) as tf:
            for member, data in (('x.csv', csv), ('y.json', JSON[0]), ('z.txt', ENC_TEXT.encode('utf-16'))):
                info = tarfile.TarInfo(member)
                info.size = len(data)
                tf.addfile(info, io.BytesIO(data))
        out.append((name, t.getvalue()))
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, 'w') as zf:
        zf.writestr('inner.csv', csv)
    out.append(('zip-in-gzip', gzip.compress(inner.getvalue(), mtime=0)))
    # zstd (the zstd command: Python has no zstd module): one frame with a checksum, two frames with
    # a skippable frame between them, a tar.zst; multi-member gzip with header fields.
    def zstd(data, *flags):
        return subprocess.run(['zstd', '-q', '-c', *flags], input=data, capture_output=True, check=True).stdout
    skippable = (0x184D2A50).to_bytes(4, 'little') + (3).to_bytes(4, 'little') + b'abc'
    out.append(('zstd', zstd(csv, '--check')))
    out.append(('zstd-frames-skippable', zstd(csv, '--no-check') + skippable + zstd(nd)))
    out.append(('tar.zst', zstd(dict(out)['tar'])))
    named = gzip.compress(nd, mtime=0)
    named = named[:3] + bytes([0x08 | 0x10]) + named[4:10] + b'persons.ndjson\0a comment\0' + named[10:]
    out.append(('gzip-members-fname', named + gzip.compress(csv, mtime=0) + b'\0\0\0\0'))
    return out


def build_indexes(leakdex):
    with tempfile.TemporaryDirectory() as t:
        key = os.path.join(t, 'k')
        subprocess.run([leakdex, 'keygen', key], check=True, capture_output=True)
        inputs = []
        for i, data in enumerate(NDJSON + CSV[:2]):
            p = os.path.join(t, f'in{i}.{"ndjson" if i < len(NDJSON) else "csv"}')
            with open(p, 'wb') as f:
                f.write(data)
            inputs.append(p)
        idx1 = os.path.join(t, 'one')
        subprocess.run([leakdex, 'ingest', '-q', '-k', key, '-i', idx1, '--source', 's1', *inputs[:3]], check=True)
        idx2 = os.path.join(t, 'two')
        subprocess.run([leakdex, 'ingest', '-q', '-k', key, '-i', idx2, '--source', 's1', *inputs[:2]], check=True)
        subprocess.run([leakdex, 'ingest', '-q', '-k', key, '-i', idx2, '--source', 's2', '--class', 'delivery_record', '--',
                        *inputs[2:]], check=True)
        for name, d in (('one', idx1), ('two', idx2)):
            segs = sorted(f for f in os.listdir(d) if f.startswith('seg-'))
            files = [open(os.path.join(d, 'MANIFEST'), 'rb').read()]
            files += [open(os.path.join(d, s), 'rb').read() for s in segs]
            write('index', name, packed_all(files))
            for s, data in zip(segs, files[1:]):
                write('segment', f'{name}-{s}', data)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--leakdex')
    a = ap.parse_args()
    for i, d in enumerate(NDJSON):
        write('source_ndjson', f'seed{i}', bytes([0]) + d)
        write('source_auto', f'ndjson{i}', bytes([0x80 | (i << 4)]) + d)
        write('chunked', f'ndjson{i}', bytes([1 | (i << 5)]) + bytes(range(1 + i, 9 + i)) + d)
    for i, d in enumerate(CSV):
        opts = 1 if i == 5 else 0
        write('source_csv', f'seed{i}', bytes([opts | (0x80 if i % 2 else 0)]) + d)
        write('source_auto', f'csv{i}', bytes([opts]) + d)
        write('chunked', f'csv{i}', bytes([(2 if i % 2 else 0) | (opts << 3) | (i << 5)]) + bytes(range(9)) + d)
    for i, d in enumerate(JSON):
        write('source_json', f'seed{i}', bytes([0x80 if i % 2 else 0]) + d)
        write('source_auto', f'json{i}', bytes([0]) + d)
        write('chunked', f'json{i}', bytes([5 | (i << 5)]) + bytes(range(2, 10)) + d)
    for i, d in enumerate(SQL):
        write('source_sql', f'seed{i}', bytes([0x80 if i % 2 else 0]) + d)
        write('source_auto', f'sql{i}', bytes([0]) + d)
        write('chunked', f'sql{i}', bytes([6 | (i << 5)]) + bytes(range(3, 11)) + d)
    for name, opt, d in encoded_seeds():
        write('decode', name, bytes([opt]) + d)
    for name, d in container_seeds():
        write('container', name, bytes([0]) + d)
        if name.startswith(('gzip', 'zstd', 'tar.', 'zip-in-gzip')):  # differential: native against libarchive
            write('container', f'diff-{name}', bytes([4]) + d)
    for attr, values in NORMALIZE.items():
        for j, v in enumerate(values):
            write('normalize', f'a{attr}-{j}', bytes([attr]) + v.encode())
    for j, c in enumerate(COLUMNS):
        write('columns', f'c{j}', c.encode())
    if a.leakdex:
        build_indexes(a.leakdex)


if __name__ == '__main__':
    main()
