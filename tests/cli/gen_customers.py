#!/usr/bin/env python3
"""Deterministic synthetic data for the batch end-to-end tests (SPEC P7: no real data).

Writes into OUTDIR:
  register.csv      a leaked person register (姓名,手机号,地址,身份证号)
  delivery.ndjson   leaked delivery records, Elasticsearch export style (_source, sender/recipient)
  customers.csv     a company's customer list: customer_id,name,phone,address
  truth.csv         customer_id,expected key kinds (';'-joined, empty when not exposed)

Half the customers are in the leak, many written differently from the dump
(spaces, dashes, +86 / 0086, tabs, full-width digits, spaces inside the address).
Traditional-character variants are not generated: they need the normaliser of
issue 3 (see docs/CHECK_AND_BATCH.md).

Usage: gen_customers.py OUTDIR [CUSTOMERS] [SEED]
"""
import csv
import json
import os
import random
import sys

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志强春梅海燕玉兰红梅晓东文博子涵浩然雨桐欣怡梓萱宇轩"
DISTRICTS = ["黄浦区", "徐汇区", "长宁区", "静安区", "普陀区", "虹口区", "杨浦区", "闵行区", "宝山区", "嘉定区",
             "浦东新区", "金山区", "松江区", "青浦区", "奉贤区", "崇明区"]
ROADS = ["南京东路", "淮海中路", "漕溪北路", "四川北路", "延安西路", "世纪大道", "张杨路", "武宁路", "长寿路",
         "控江路", "沪太路", "曹安公路", "莘松路", "人民路", "解放路", "和平路"]
PREFIXES = ["130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155", "157",
            "158", "159", "166", "176", "177", "178", "180", "181", "182", "185", "186", "187", "188", "189",
            "191", "198", "199"]


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)
        self.phones = set()
        self.addresses = set()

    def name(self):
        n = self.r.choice(SURNAMES) + self.r.choice(GIVEN)
        if self.r.random() < 0.5:
            n += self.r.choice(GIVEN)
        return n

    def phone(self):
        while True:
            p = self.r.choice(PREFIXES) + "".join(self.r.choice("0123456789") for _ in range(8))
            if p not in self.phones:
                self.phones.add(p)
                return p

    def address(self):
        while True:
            a = "上海市%s%s%d号%d室" % (self.r.choice(DISTRICTS), self.r.choice(ROADS), self.r.randint(1, 2999),
                                      self.r.randint(101, 2999))
            if a not in self.addresses:
                self.addresses.add(a)
                return a

    def id_number(self):
        region = "310%03d" % self.r.randint(101, 120)
        body = region + "%04d%02d%02d" % (self.r.randint(1940, 2005), self.r.randint(1, 12),
                                         self.r.randint(1, 28)) + "%03d" % self.r.randint(0, 999)
        weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
        s = sum(int(c) * w for c, w in zip(body, weights))
        return body + "10X98765432"[s % 11]

    # Ways a customer system writes a phone the dump has as 13812345678.
    def phone_variant(self, p):
        v = self.r.randrange(8)
        if v == 0:
            return p
        if v == 1:
            return "+86 %s %s %s" % (p[:3], p[3:7], p[7:])
        if v == 2:
            return "%s-%s-%s" % (p[:3], p[3:7], p[7:])
        if v == 3:
            return "\t" + p + " "
        if v == 4:
            return "0086" + p
        if v == 5:
            return "+86" + p
        if v == 6:
            return "".join(chr(ord(c) - ord("0") + 0xFF10) for c in p)  # full-width digits
        return "(+86) %s %s" % (p[:3], p[3:])

    def address_variant(self, a):
        v = self.r.randrange(3)
        if v == 0:
            return a
        if v == 1:  # spaces between the parts
            return a.replace("市", "市 ", 1).replace("区", "区 ", 1)
        return " " + a + "\t"

    def name_variant(self, n):
        return n if self.r.random() < 0.7 else "\t" + n + " "


def main():
    out = sys.argv[1]
    customers = int(sys.argv[2]) if len(sys.argv) > 2 else 4000
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 20220704
    g = Gen(seed)
    os.makedirs(out, exist_ok=True)
    register = []   # (name, phone, address, id)
    delivery = []   # dicts
    rows = []       # (id, name, phone, address, expected kinds)
    full = ["phone", "address", "name+phone", "name+address", "phone+address"]
    for i in range(customers):
        cid = "C%06d" % (i + 1)
        name, phone, address = g.name(), g.phone(), g.address()
        kinds = []
        if i % 2 == 0:  # in the leak, one of four ways
            way = (i // 2) % 4
            if way == 0:    # the same person, same phone and address
                register.append((name, phone, address, g.id_number()))
                kinds = full
            elif way == 1:  # moved since: the dump has an old address
                register.append((name, phone, g.address(), g.id_number()))
                kinds = ["phone", "name+phone"]
            elif way == 2:  # changed number since: the dump has an old phone
                register.append((name, g.phone(), address, ""))
                kinds = ["address", "name+address"]
            else:           # their phone is a parcel recipient's under another name
                delivery.append({"_id": "d%d" % i, "_source": {
                    "sender_name": g.name(), "sender_phone": g.phone(), "sender_address": g.address(),
                    "recipient_name": g.name(), "recipient_phone": phone, "recipient_address": g.address()}})
                kinds = ["phone"]
            rows.append((cid, g.name_variant(name), g.phone_variant(phone), g.address_variant(address), kinds))
        else:
            # Not in the leak. Every fourth shares a name with someone who is:
            # a name alone is never a key, so it must not match.
            if i % 4 == 1 and register:
                name = register[-1][0]
            rows.append((cid, name, g.phone_variant(phone), g.address_variant(address), []))
    for _ in range(customers):  # other leaked people, not customers
        register.append((g.name(), g.phone(), g.address(), g.id_number()))
    g.r.shuffle(register)
    with open(os.path.join(out, "register.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["姓名", "手机号", "地址", "身份证号"])
        w.writerows(register)
    with open(os.path.join(out, "delivery.ndjson"), "w", encoding="utf-8") as f:
        for d in delivery:
            f.write(json.dumps(d, ensure_ascii=False) + "\n")
    with open(os.path.join(out, "customers.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["customer_id", "name", "phone", "address"])
        for cid, name, phone, address, _ in rows:
            w.writerow([cid, name, phone, address])
    with open(os.path.join(out, "truth.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["customer_id", "kinds"])
        for cid, _, _, _, kinds in rows:
            w.writerow([cid, ";".join(kinds)])


if __name__ == "__main__":
    main()
