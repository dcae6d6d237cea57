#!/usr/bin/env python3
"""Generates samples/data/activities.jsonl: a small tenant's activity over three days.

Deterministic (fixed seed, no wall clock): running it again gives the same bytes.

    python3 samples/data/generator/generate.py            # writes samples/data/activities.jsonl
    python3 samples/data/generator/generate.py --out x.jsonl

The file mixes native lines with Microsoft 365 unified-audit-log records (as the Management Activity API gives
them: CreationTime without offset, messy ClientIP forms, RecordType numbers, nested Parameters), is in time
order, contains a few duplicated records, and contains these scenarios for samples/data/policies.json
(the ids are stable; the replay tests pin them):

- forwarding-rule: an audit New-InboxRule with a ForwardTo parameter (03-02 10:15:07, duplicated in the file),
  two MailRedirect by different users 40 s apart (03-03 14:02:00 and 14:02:40: one alert, hit count 2),
  a native Set-InboxRule with RedirectTo (03-04 09:30:00); an inbox rule that only moves mail does not fire.
- exchange-admin-elevation: an audit Add-RoleGroupMember in Exchange (03-02 16:40:12); one in the
  Security & Compliance workload does not fire.
- sensitive-external-share: payroll.xlsx shared from 198.51.100.23 (03-03 22:10:00), salaries-2026.csv
  anonymous link from [2001:db8:beef::17]:51234 (audit, 03-04 08:05:31); not from the corporate IPv6 range,
  not a PDF, not by svc-backup.
- mass-delete: ravi.patel deletes 62 files 7 s apart from 03-03 11:20:00 (the 50th distinct one fires;
  one record in the burst is duplicated and must not count); sofia.rossi recycles 55 files 9 s apart from
  03-04 15:00:00; svc-backup deletes 300 files (excluded); omar.haddad deletes 30 (below the threshold).
- priority-malware: FileMalwareDetected in the CEO's OneDrive (03-02 13:05:00, tagged Priority account);
  one for a regular user does not fire.
- unusual-external-sharing: a few external shares per day, then lena.meyer shares 40 files in one hour on
  03-04 (whether this fires depends on the anomaly model; no test pins it).
"""

import argparse
import json
import os
import random
import uuid
from datetime import datetime, timedelta, timezone

SEED = 20260302
START = datetime(2026, 3, 2, 0, 0, 0, tzinfo=timezone.utc)
DAYS = 3
TENANT = "contoso.com"
ORG_ID = "4f1c2a9e-7b3d-4e8a-9c61-2d5f0b7a1e34"

FIRST = ["alice", "bob", "carol", "dan", "erin", "frank", "grace", "heidi", "ivan", "judy", "ken", "lena",
         "mike", "nina", "omar", "paul", "quinn", "ravi", "sofia", "tom", "uma", "victor", "wendy", "xavier",
         "yara", "zoe", "amir", "bianca", "chen", "dana", "eli", "fatima", "gus", "hana", "igor", "jonas",
         "kira", "liam", "maya"]
LAST = ["smith", "jones", "nguyen", "garcia", "muller", "kowalski", "tanaka", "okafor", "haddad", "meyer",
        "rossi", "patel", "larsen", "dubois", "silva", "novak", "kim", "oconnor", "ali", "berg"]

SITES = ["hr", "finance", "engineering", "sales", "marketing", "legal", "it"]
DOCS = ["budget-2026.xlsx", "roadmap.docx", "minutes.docx", "q1-forecast.xlsx", "brand.pptx", "contract.pdf",
        "onboarding.pdf", "design.vsdx", "notes.txt", "export.csv", "logo.png", "handbook.pdf"]

CORP_V4 = "10.{}.{}.{}"
CORP_V6 = "2001:db8:100::{:x}"
EXT_V4 = ["203.0.113.{}", "198.51.100.{}"]
EXT_V6 = "2001:db8:beef::{:x}"


class Gen:
    def __init__(self):
        self.rng = random.Random(SEED)
        self.events = []  # (time, order, kind, payload)
        self.order = 0
        self.native_seq = 0
        users = []
        used = set()
        for i in range(39):
            first = FIRST[i]
            last = LAST[self.rng.randrange(len(LAST))]
            upn = f"{first}.{last}@{TENANT}"
            if upn in used:
                upn = f"{first}.{last}{i}@{TENANT}"
            used.add(upn)
            users.append(upn)
        # Fixed names the scenarios use.
        users[17] = "ravi.patel@" + TENANT
        users[18] = "sofia.rossi@" + TENANT
        users[14] = "omar.haddad@" + TENANT
        users[11] = "lena.meyer@" + TENANT
        users[33] = "dana.whitfield@" + TENANT
        self.users = users
        self.ceo = "ceo@" + TENANT
        self.cfo = "cfo@" + TENANT
        self.backup = "svc-backup@" + TENANT
        self.guest = "partner_fabrikam.com#EXT#@contoso.onmicrosoft.com"
        self.tags = {self.ceo: ["Priority account", "Executive"], self.cfo: ["Priority account"],
                     users[5]: ["Priority account"]}
        self.everyone = users + [self.ceo, self.cfo]
        self.home = {u: self.rng.choice(EXT_V4).format(self.rng.randrange(2, 250)) for u in self.everyone}

    # ---- helpers -------------------------------------------------------------------------------------

    def guid(self):
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def corp_ip(self):
        if self.rng.random() < 0.3:
            return CORP_V6.format(self.rng.randrange(1, 0xffff))
        return CORP_V4.format(self.rng.randrange(1, 40), self.rng.randrange(0, 255), self.rng.randrange(2, 250))

    def user_ip(self, user):
        return self.corp_ip() if self.rng.random() < 0.75 else self.home[user]

    def messy(self, ip):
        """An address as audit records give it."""
        r = self.rng.random()
        port = self.rng.randrange(1024, 65535)
        if ":" in ip:
            return [ip, f"[{ip}]:{port}", f"[{ip}]"][int(r * 3)]
        if r < 0.45:
            return ip
        if r < 0.7:
            return f"{ip}:{port}"
        if r < 0.85:
            return f"[{ip}]:{port}"
        return f"::ffff:{ip}"

    def add(self, time, line_factory):
        self.events.append((time, self.order, line_factory))
        self.order += 1

    def native(self, time, operation, user, ip=None, object_id=None, workload=None, properties=None, id=None):
        def make():
            nonlocal id
            if id is None:
                self.native_seq += 1
                id = f"act-{self.native_seq:06d}"
            line = {"id": id, "time": iso(time), "operation": operation}
            if user:
                line["userId"] = user
            if ip:
                line["clientIp"] = ip
            if object_id:
                line["objectId"] = object_id
            if workload:
                line["workload"] = workload
            if user in self.tags:
                line["userTags"] = self.tags[user]
            if properties:
                line["properties"] = properties
            return line
        self.add(time, make)

    def audit(self, time, operation, user, ip, workload, object_id, extra=None, id=None, client_ip=None):
        record_id = id or self.guid()
        raw_ip = client_ip if client_ip is not None else self.messy(ip)

        def make():
            record = {
                "CreationTime": time.strftime("%Y-%m-%dT%H:%M:%S"),
                "Id": record_id,
                "Operation": operation,
                "OrganizationId": ORG_ID,
                "RecordType": {"SharePoint": 6, "OneDrive": 6, "Exchange": 1}.get(workload, 15),
                "UserKey": "i:0h.f|membership|" + (user or "").split("@")[0] + "@live.com",
                "UserType": 0,
                "Version": 1,
                "Workload": workload,
                "ClientIP": raw_ip,
                "ObjectId": object_id,
                "UserId": user,
            }
            if extra:
                record.update(extra)
            return record
        self.add(time, make)
        return record_id

    def file_url(self, site, name, user=None):
        if user and self.rng.random() < 0.4:
            personal = user.replace("@", "_").replace(".", "_")
            return f"https://contoso-my.sharepoint.com/personal/{personal}/Documents/{name}"
        return f"https://contoso.sharepoint.com/sites/{site}/Shared Documents/{name}"

    def sp_extra(self, name, url):
        ext = name.rsplit(".", 1)[-1]
        return {
            "EventSource": "SharePoint",
            "ItemType": "File",
            "SiteUrl": url.split("/Shared Documents/")[0] + "/" if "/Shared Documents/" in url else url.rsplit("/", 1)[0] + "/",
            "SourceFileExtension": ext,
            "SourceFileName": name,
            "SourceRelativeUrl": "Shared Documents",
            "UserAgent": self.rng.choice([
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0 Safari/537.36 Edg/122.0",
                "Microsoft Office Excel 2014 (16.0.17328) Windows NT 10.0",
                "OneDriveMpc-Transform_Thumbnail/1.0",
            ]),
            "IsManagedDevice": self.rng.random() < 0.7,
            "AppAccessContext": {"AADSessionId": self.guid(), "CorrelationId": self.guid()},
        }

    def file_event(self, time, operation, user, ip=None, name=None, site=None, audit=None, id=None):
        name = name or self.rng.choice(DOCS)
        site = site or self.rng.choice(SITES)
        url = self.file_url(site, name, user)
        ip = ip or self.user_ip(user)
        if audit is None:
            audit = self.rng.random() < 0.18
        if audit:
            return self.audit(time, operation, user, ip, "SharePoint", url, self.sp_extra(name, url), id=id)
        self.native(time, operation, user, ip, url, "SharePoint", {"FileName": name, "SiteUrl": url.rsplit("/", 1)[0]}, id=id)
        return id

    # ---- background ----------------------------------------------------------------------------------

    def working_time(self, day):
        base = START + timedelta(days=day)
        if self.rng.random() < 0.9:
            seconds = int(self.rng.triangular(7 * 3600, 19 * 3600, 11 * 3600))
        else:
            seconds = self.rng.randrange(0, 24 * 3600)
        return base + timedelta(seconds=seconds)

    def background(self, per_day=1150):
        ops = [("FileAccessed", 34), ("FileModified", 14), ("FileUploaded", 8), ("FileDownloaded", 9),
               ("UserLoggedIn", 11), ("MailItemsAccessed", 10), ("Send", 7), ("FileDeleted", 3),
               ("FileSharedExternally", 2), ("New-InboxRule", 0.3), ("FilePreviewed", 2)]
        names = [o for o, _ in ops]
        weights = [w for _, w in ops]
        for day in range(DAYS):
            for _ in range(per_day):
                t = self.working_time(day)
                op = self.rng.choices(names, weights)[0]
                user = self.rng.choice(self.everyone)
                if op == "FileDeleted" and user.split("@")[0] in ("ravi.patel", "sofia.rossi"):
                    # Keep the threshold scenarios exact: their users delete nothing else.
                    op = "FileModified"
                if op.startswith("File") and op != "FileSharedExternally":
                    self.file_event(t, op, user)
                elif op == "FileSharedExternally":
                    # Mostly harmless shares: PDFs and images, or from the corporate network.
                    name = self.rng.choice(["contract.pdf", "brochure.pdf", "logo.png", "handbook.pdf", "q1-forecast.xlsx"])
                    ip = self.corp_ip() if name.endswith(".xlsx") else self.user_ip(user)
                    self.file_event(t, op, user, ip=ip, name=name,
                                    audit=False if name.endswith(".xlsx") else None)
                elif op == "UserLoggedIn":
                    ip = self.user_ip(user)
                    if self.rng.random() < 0.3:
                        self.audit(t, op, user, ip, "AzureActiveDirectory", "00000003-0000-0ff1-ce00-000000000000",
                                   {"RecordType": 15, "AzureActiveDirectoryEventType": 1, "ResultStatus": "Success",
                                    "ExtendedProperties": [{"Name": "UserAgent", "Value": "Mozilla/5.0"},
                                                           {"Name": "RequestType", "Value": "OAuth2:Authorize"}]})
                    else:
                        self.native(t, op, user, ip, None, "AzureActiveDirectory", {"ResultStatus": "Success"})
                elif op in ("MailItemsAccessed", "Send"):
                    mailbox = user
                    if op == "Send":
                        recipient = self.rng.choice(self.everyone + ["orders@fabrikam.com", "info@northwind.example"])
                        self.native(t, op, user, self.user_ip(user), mailbox, "Exchange",
                                    {"Recipient": recipient, "MessageId": f"<{self.guid()}@{TENANT}>",
                                     "Subject": self.rng.choice(["Re: budget", "Minutes", "Offer", "Lunch?"])})
                    elif self.rng.random() < 0.4:
                        self.audit(t, op, user, self.user_ip(user), "Exchange", mailbox,
                                   {"RecordType": 50, "MailboxOwnerUPN": user, "LogonType": 0,
                                    "OperationCount": self.rng.randrange(1, 40), "ClientInfoString": "Client=OWA"})
                    else:
                        self.native(t, op, user, self.user_ip(user), mailbox, "Exchange",
                                    {"OperationCount": str(self.rng.randrange(1, 40))})
                elif op == "New-InboxRule":
                    # Rules that only move mail: no forwarding, must not fire.
                    self.audit(t, op, user, self.user_ip(user), "Exchange", user + "\\Newsletters",
                               {"Parameters": [{"Name": "Name", "Value": "Newsletters"},
                                               {"Name": "MoveToFolder", "Value": "Newsletters"},
                                               {"Name": "From", "Value": "news@northwind.example"}]})
        # A guest account downloads files (only the disabled policy would see it).
        for i in range(6):
            t = START + timedelta(days=i % DAYS, hours=10 + i, minutes=7)
            self.file_event(t, "FileDownloaded", self.guest, ip=EXT_V4[0].format(77), site="sales", audit=False)
        # Host names where an address should be: kept as property ClientIP, counted in diagnostics.
        for i, op in enumerate(["FileAccessed", "UserLoggedIn", "FileAccessed"]):
            t = START + timedelta(days=i, hours=9, minutes=33, seconds=12)
            user = self.users[20 + i]
            if op == "FileAccessed":
                url = self.file_url("it", "runbook.docx")
                self.audit(t, op, user, None, "SharePoint", url, self.sp_extra("runbook.docx", url), client_ip="localhost")
            else:
                self.audit(t, op, user, None, "AzureActiveDirectory", "00000002-0000-0000-c000-000000000000",
                           {"RecordType": 15, "ResultStatus": "Success"}, client_ip="localhost")

    # ---- scenarios -----------------------------------------------------------------------------------

    def scenarios(self):
        d1, d2, d3 = START, START + timedelta(days=1), START + timedelta(days=2)
        dana = "dana.whitfield@" + TENANT

        # forwarding-rule
        self.audit(d1 + timedelta(hours=10, minutes=15, seconds=7), "New-InboxRule", dana, "198.51.100.77", "Exchange",
                   dana + "\\Auto forward", {"Parameters": [{"Name": "Name", "Value": "Auto forward"},
                                                          {"Name": "ForwardTo", "Value": "dana.w.private@proton.example"},
                                                          {"Name": "StopProcessingRules", "Value": "True"}],
                                             "ResultStatus": "True"},
                   id="5d3a0c1e-2f64-4b8e-9a17-0c6e1f2b3a01", client_ip="198.51.100.77:50412")
        self.native(d2 + timedelta(hours=14, minutes=2), "MailRedirect", self.users[3], self.corp_ip(), self.users[3],
                    "Exchange", {"RedirectTo": "archive@fabrikam.com"}, id="redirect-1")
        self.native(d2 + timedelta(hours=14, minutes=2, seconds=40), "MailRedirect", self.users[9], self.corp_ip(),
                    self.users[9], "Exchange", {"RedirectTo": "backup@northwind.example"}, id="redirect-2")
        self.native(d3 + timedelta(hours=9, minutes=30), "Set-InboxRule", self.users[25], self.home[self.users[25]],
                    self.users[25] + "\\Projects", "Exchange", {"RedirectTo": "me@gmail.example", "RuleName": "Projects"},
                    id="set-rule-1")

        # exchange-admin-elevation
        self.audit(d1 + timedelta(hours=16, minutes=40, seconds=12), "Add-RoleGroupMember", "admin@" + TENANT,
                   "10.0.0.5", "Exchange", "Organization Management",
                   {"RecordType": 1, "Parameters": [{"Name": "Identity", "Value": "Organization Management"},
                                                    {"Name": "Member", "Value": self.users[30]}],
                    "ResultStatus": "True"}, id="9b1f4e7a-6c2d-4d0b-8e35-7a1c9d2e4f02", client_ip="[10.0.0.5]:443")
        self.audit(d2 + timedelta(hours=11, minutes=5), "Add-RoleGroupMember", "admin@" + TENANT, "10.0.0.5",
                   "SecurityComplianceCenter", "eDiscovery Manager",
                   {"RecordType": 18, "Parameters": [{"Name": "Member", "Value": self.users[31]}]})

        # sensitive-external-share
        self.native(d2 + timedelta(hours=22, minutes=10), "FileSharedExternally", self.users[7], "198.51.100.23",
                    "https://contoso.sharepoint.com/sites/hr/Shared Documents/payroll.xlsx", "SharePoint",
                    {"TargetUserOrGroupName": "someone@gmail.example", "SiteUrl": "https://contoso.sharepoint.com/sites/hr"},
                    id="share-payroll")
        url = "https://contoso.sharepoint.com/sites/finance/Shared Documents/salaries-2026.csv"
        extra = self.sp_extra("salaries-2026.csv", url)
        extra["EventData"] = "<Type>View</Type><MembersCanShare>Yes</MembersCanShare>"
        self.audit(d3 + timedelta(hours=8, minutes=5, seconds=31), "AnonymousLinkCreated", self.users[12],
                   "2001:db8:beef::17", "SharePoint", url, extra,
                   id="c7e2a9d4-1b3f-4a6c-8d5e-2f9b0a1c3d03", client_ip="[2001:db8:beef::17]:51234")
        # Not firing: corporate IPv6, a PDF, the backup account.
        self.native(d2 + timedelta(hours=15), "FileSharedExternally", self.users[8], "2001:db8:100::25",
                    "https://contoso.sharepoint.com/sites/finance/Shared Documents/q1-forecast.xlsx", "SharePoint", id="share-corp")
        self.native(d2 + timedelta(hours=15, minutes=30), "FileSharedExternally", self.users[8], "203.0.113.50",
                    "https://contoso.sharepoint.com/sites/sales/Shared Documents/brochure.pdf", "SharePoint", id="share-pdf")
        self.native(d3 + timedelta(hours=3), "FileSharedExternally", self.backup, "203.0.113.200",
                    "https://contoso.sharepoint.com/sites/hr/Shared Documents/payroll.xlsx", "SharePoint", id="share-backup")

        # mass-delete: ravi.patel, 62 deletions 7 s apart; every 4th is an audit record; the 20th is duplicated.
        ravi = "ravi.patel@" + TENANT
        t0 = d2 + timedelta(hours=11, minutes=20)
        for i in range(62):
            t = t0 + timedelta(seconds=7 * i)
            name = f"project-archive-{i + 1:02d}.docx"
            if i % 4 == 3:
                rid = self.file_event(t, "FileDeleted", ravi, ip="10.4.2.17", name=name, site="engineering", audit=True,
                                      id=f"0e6d1f2a-3b4c-4d5e-8f60-{i + 1:012d}")
            else:
                self.file_event(t, "FileDeleted", ravi, ip="10.4.2.17", name=name, site="engineering", audit=False,
                                id=f"ravi-del-{i + 1:02d}")
        # sofia.rossi, 55 recycles 9 s apart (the window PT10M holds 50 of them after 441 s).
        sofia = "sofia.rossi@" + TENANT
        t0 = d3 + timedelta(hours=15)
        for i in range(55):
            self.file_event(t0 + timedelta(seconds=9 * i), "FileRecycled", sofia, ip="2001:db8:100::4a",
                            name=f"old-campaign-{i + 1:02d}.pptx", site="marketing", audit=False,
                            id=f"sofia-rec-{i + 1:02d}")
        # svc-backup: 300 deletions in 10 minutes at night (excluded by the policy's not-users condition).
        t0 = d1 + timedelta(hours=2)
        for i in range(300):
            self.file_event(t0 + timedelta(seconds=2 * i), "FileDeleted", self.backup, ip="10.0.9.9",
                            name=f"snapshot-{i:03d}.bak", site="it", audit=i % 3 == 0)
        # omar.haddad: 30 deletions in 10 minutes (below the threshold).
        omar = "omar.haddad@" + TENANT
        t0 = d1 + timedelta(hours=14)
        for i in range(30):
            self.file_event(t0 + timedelta(seconds=19 * i), "FileDeleted", omar, name=f"draft-{i:02d}.docx")

        # priority-malware
        self.native(d1 + timedelta(hours=13, minutes=5), "FileMalwareDetected", self.ceo, None,
                    "https://contoso-my.sharepoint.com/personal/ceo_contoso_com/Documents/invoice-march.docm", "OneDrive",
                    {"MalwareFamily": "Emotet", "FileName": "invoice-march.docm"}, id="malware-ceo")
        self.native(d2 + timedelta(hours=9, minutes=45), "FileMalwareDetected", self.users[22], None,
                    "https://contoso-my.sharepoint.com/personal/x/Documents/crack.exe", "OneDrive",
                    {"MalwareFamily": "Agent Tesla", "FileName": "crack.exe"}, id="malware-regular")

        # unusual-external-sharing: a few shares per day for lena, then 40 in one hour.
        lena = "lena.meyer@" + TENANT
        for day in range(DAYS):
            for k in range(2):
                self.file_event(START + timedelta(days=day, hours=10 + 3 * k, minutes=11), "FileSharedExternally", lena,
                                ip=self.corp_ip(), name="handbook.pdf", site="hr", audit=False)
        t0 = d3 + timedelta(hours=17)
        for i in range(40):
            self.file_event(t0 + timedelta(seconds=80 * i), "FileSharedExternally", lena, ip=self.corp_ip(),
                            name=f"brochure-{i + 1:02d}.pdf", site="sales", audit=False)

    # ---- output --------------------------------------------------------------------------------------

    def lines(self):
        self.events.sort(key=lambda e: (e[0], e[1]))
        out = []
        for time, _, make in self.events:
            out.append(json.dumps(make(), ensure_ascii=False, separators=(",", ":")))
        # A few records delivered twice (audit sources deliver at least once), right after the original.
        pinned = {"5d3a0c1e-2f64-4b8e-9a17-0c6e1f2b3a01", "0e6d1f2a-3b4c-4d5e-8f60-000000000020", "redirect-2"}
        pinned_lines = [i for i, line in enumerate(out)
                        if json.loads(line).get("Id", json.loads(line).get("id")) in pinned]
        extra = self.rng.sample(range(len(out)), 9)
        result = []
        for i, line in enumerate(out):
            result.append(line)
            if i in pinned_lines or i in extra:
                result.append(line)
        return result


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join(here, "..", "activities.jsonl"))
    args = parser.parse_args()
    g = Gen()
    g.background()
    g.scenarios()
    lines = g.lines()
    with open(args.out, "w", encoding="utf-8", newline="\n") as f:
        for line in lines:
            f.write(line + "\n")
    print(f"wrote {len(lines)} lines to {os.path.normpath(args.out)}")


if __name__ == "__main__":
    main()
