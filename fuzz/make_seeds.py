#!/usr/bin/env python3
"""Writes the seed corpora fuzz/corpus/<target>/ (synthetic data only, SPEC P7).

usage: fuzz/make_seeds.py [--leakdex BIN]

Text seeds are written from the literals below. With --leakdex, small indexes are
built with that binary (random key, synthetic records) and written as segment
seeds (segment/) and packed index seeds (index/, see fuzz_index.cpp). Rerunning
rewrites every seed; index seeds differ run to run (random key).
"""
import argparse
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
NORMALIZE = {  # attribute number (identity.h) -> raw values
    0: ['张三', ' Wang  Wei ', 'ＬＩ　ＬＥＩ', '欧阳 娜娜', 'NULL', '张*', '\u00e9\u0301'],
    1: ['13812345678', '+86 138-1234-5678', '008613812345678', '138****5678', '1.38123E+10', '１３８１２３４５６７８',
        '13812345678/13912345678', '021-12345678', '+1 415 555 0100'],
    2: ['LI.lei@Example.COM', 'a@b', '无', 'x@ｅｘａｍｐｌｅ.com'],
    3: ['11010119900307451x', '110101199003074518', '110101900307451', '123'],
    4: ['上海市黄浦区南京东路1号', '上海市 黄浦区 南京东路 １号 ', '-', 'Room 5, 1 Main St'],
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
    for attr, values in NORMALIZE.items():
        for j, v in enumerate(values):
            write('normalize', f'a{attr}-{j}', bytes([attr]) + v.encode())
    for j, c in enumerate(COLUMNS):
        write('columns', f'c{j}', c.encode())
    if a.leakdex:
        build_indexes(a.leakdex)


if __name__ == '__main__':
    main()
