import Foundation
import Testing

/// `dver serve` read by the clients people use — the AWS CLI, boto3, s3fs with pandas, DuckDB
/// and curl with presigned URLs — at two revisions, byte for byte against `dver cat`.
@Suite("serve: real S3 clients", .enabled(if: S3Clients.isAvailable, "python3 cannot make a virtual environment with pip (python3-venv)"))
struct ServeClientTests {
    static let labelsV1 = "id,label\n1,cat\n2,dog\n"
    static let labelsV2 = "id,label\n1,cat\n2,dog\n3,bird\n"

    /// Repo raw: labels.csv (changed between the two commits), a 3 MB random file, 5,000 small
    /// files, names with spaces, '+', '=' and non-ASCII letters, and a symlink.
    static func project(manyFiles: Int = 5_000, before commit: (TestProject) throws -> Void = { _ in }) throws -> (project: TestProject, v1: String) {
        let project = try TestProject()
        var generator = SeededGenerator(seed: 11)
        try project.write("data/raw/labels.csv", labelsV1)
        try project.write("data/raw/big.bin", generator.bytes(3_000_000))
        try project.write("data/raw/odd names/a b+c=d.txt", "odd\n")
        try project.write("data/raw/ünï/ça.txt", "unicode\n")
        for index in 0..<manyFiles { try project.write("data/raw/many/f\(index).txt", "\(index)\n") }
        try FileManager.default.createSymbolicLink(atPath: project.path("data/raw/link.csv"), withDestinationPath: "labels.csv")
        try commit(project)
        project.run(["add", "-q", "data/raw"])
        project.run(["commit", "-q", "-m", "v1"])
        let v1 = try #require(try project.run(["log", "raw", "--json"]).jsonArray().first?["id"] as? String)
        try project.write("data/raw/labels.csv", labelsV2)
        project.run(["add", "-q", "data/raw"])
        project.run(["commit", "-q", "-m", "v2"])
        return (project, v1)
    }

    @Test("the AWS CLI lists and copies at two revisions; a wrong secret and a write are refused")
    func awsCLI() throws {
        let (project, v1) = try Self.project()
        let server = try ServeProcess(project)
        defer { server.stop() }
        let top = try server.aws(["s3", "ls", "s3://raw/main/"])
        #expect(top.status == 0 && top.output.contains("PRE many/") && top.output.contains("labels.csv"), "\(top.output)")
        #expect(try server.aws(["s3", "ls", "s3://raw/"]).output.contains("PRE main/"))
        let old = try server.aws(["s3", "cp", "s3://raw/\(v1.prefix(8))/labels.csv", "-"])
        #expect(old.status == 0 && old.output == Self.labelsV1, "\(old.output)")
        #expect(try server.aws(["s3", "cp", "s3://raw/main/labels.csv", "-"]).output == project.run(["cat", "raw@main:labels.csv"]).stdout)
        let many = try server.aws(["s3", "ls", "--recursive", "s3://raw/main/many/"])
        let listed = Set(many.output.split(separator: "\n").compactMap { $0.split(separator: " ").last.map(String.init) })
        let tree = try project.run(["ls", "-r", "raw@main:many", "--json"]).jsonArray().compactMap { $0["path"] as? String }
        let expected = Set(tree.map { "main/many/" + ($0.hasPrefix("many/") ? String($0.dropFirst(5)) : $0) })
        #expect(listed.count == 5_000 && listed == expected, "\(listed.count) listed, \(expected.count) in the tree: \(many.output.prefix(300))")
        let copy = project.path("big.copy")
        #expect(try server.aws(["s3", "cp", "s3://raw/main/big.bin", copy]).status == 0)
        #expect(try project.read("big.copy") == project.run(["cat", "raw@main:big.bin"]).stdoutData.map { $0 })
        let wrong = try server.aws(["s3", "ls", "s3://raw/main/"], environment: ["AWS_SECRET_ACCESS_KEY": "not-the-secret-at-all"])
        #expect(wrong.status != 0 && wrong.output.contains("SignatureDoesNotMatch"), "\(wrong.output)")
        try project.write("upload.txt", "x\n")
        let upload = try server.aws(["s3", "cp", project.path("upload.txt"), "s3://raw/main/upload.txt"])
        #expect(upload.status != 0 && upload.output.contains("MethodNotAllowed"), "\(upload.output)")
        let log = try String(contentsOfFile: server.logPath, encoding: .utf8)
        #expect(log.contains("GET /raw/main/big.bin 200 3000000"), "\(log.suffix(400))")
    }

    @Test("boto3: paginated listings match dver ls -r; ranges, conditionals, presigned URLs with curl, errors by their S3 codes")
    func boto3() throws {
        let (project, v1) = try Self.project()
        let server = try ServeProcess(project)
        defer { server.stop() }
        let listing = project.path("ls.json")
        try project.write("ls.json", project.run(["ls", "-r", "raw@main", "--json"]).stdout)
        let commitSet = try #require(try project.run(["log", "raw", "--json"]).jsonArray().first?["commit_set"] as? String)
        let result = try server.python(Self.boto3Script, ["ROOT": project.path("data/raw"), "LS_JSON": listing, "V1": v1,
                                                           "SET": commitSet, "LABELS_V1": Self.labelsV1])
        #expect(result.status == 0 && result.output.hasSuffix("ok\n"), "\(result.output)")
    }

    @Test("s3fs, pandas and DuckDB read CSV, Parquet and raw bytes at two revisions")
    func dataFrames() throws {
        let (project, v1) = try Self.project(manyFiles: 10) { project in
            let made = try ExternalCommand.run([try S3Clients.python(), "-c", """
                import duckdb, os
                os.makedirs('data/raw/events', exist_ok=True)
                con = duckdb.connect()
                con.execute("COPY (SELECT range AS id, range % 7 AS g FROM range(1000)) TO 'data/raw/events/part-1.parquet' (FORMAT parquet)")
                con.execute("COPY (SELECT range AS id, range % 5 AS g FROM range(500)) TO 'data/raw/events/part-2.parquet' (FORMAT parquet)")
                """], workingDirectory: project.root)
            #expect(made.status == 0, "\(made.output)")
        }
        let server = try ServeProcess(project)
        defer { server.stop() }
        let result = try server.python(Self.dataScript, ["ROOT": project.path("data/raw"), "V1": v1])
        #expect(result.status == 0 && result.output.hasSuffix("ok\n"), "\(result.output)")
    }

    static let boto3Script = #"""
    import json, os, random, subprocess, time, urllib.request, urllib.error
    import boto3
    from botocore.config import Config
    from botocore.exceptions import ClientError
    e = os.environ
    s3 = boto3.client("s3", endpoint_url=e["ENDPOINT"], config=Config(signature_version="s3v4"))
    def code(call):
        try:
            call()
        except ClientError as error:
            return error.response["Error"]["Code"]
        return None
    files = sorted((x["path"] for x in json.load(open(e["LS_JSON"])) if x["kind"] != "directory"), key=lambda p: p.encode())
    keys = ["main/" + p for p in files]
    # Every key, 777 to a page.
    listed = [o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket="raw", Prefix="main/", PaginationConfig={"PageSize": 777}) for o in page.get("Contents", [])]
    assert listed == keys, (len(listed), len(keys), listed[:5], keys[:5])
    # With a delimiter: the top level, then many/ in pages of 1000.
    top = s3.list_objects_v2(Bucket="raw", Prefix="main/", Delimiter="/")
    assert [p["Prefix"] for p in top["CommonPrefixes"]] == sorted({"main/" + p.split("/")[0] + "/" for p in files if "/" in p}, key=lambda p: p.encode()), top
    assert [o["Key"] for o in top["Contents"]] == [k for k in keys if k.count("/") == 1], top["Contents"]
    pages = list(s3.get_paginator("list_objects_v2").paginate(Bucket="raw", Prefix="main/many/", Delimiter="/"))
    assert len(pages) == 5 and sum(p["KeyCount"] for p in pages) == 5000, [p["KeyCount"] for p in pages]
    after = s3.list_objects_v2(Bucket="raw", Prefix="main/", StartAfter="main/many/f999.txt")
    assert [o["Key"] for o in after["Contents"]] == [k for k in keys if k.encode() > b"main/many/f999.txt"][:1000]
    assert s3.list_objects_v2(Bucket="raw", Prefix="main/nothing/")["KeyCount"] == 0
    # Objects: odd names, Unicode, a symlink, an old revision by commit id and by commit-set id.
    get = lambda key, **extra: s3.get_object(Bucket="raw", Key=key, **extra)["Body"].read()
    assert get("main/odd names/a b+c=d.txt") == b"odd\n"
    assert get("main/ünï/ça.txt") == b"unicode\n"
    assert get("main/link.csv") == open(e["ROOT"] + "/labels.csv", "rb").read()
    assert get(e["V1"][:8] + "/labels.csv") == e["LABELS_V1"].encode()
    assert get(e["SET"][:10] + "/labels.csv") == open(e["ROOT"] + "/labels.csv", "rb").read()
    # Ranges: random ones, and ones that start or end on any byte near 64 KiB multiples.
    data = open(e["ROOT"] + "/big.bin", "rb").read()
    generator = random.Random(5)
    ranges = [(0, 0), (0, len(data) - 1), (len(data) - 1, len(data) - 1)] + [(m - 1, m) for m in range(65536, len(data), 65536 * 7)]
    ranges += [(a, a + generator.randrange(1, 400000)) for a in (generator.randrange(len(data)) for _ in range(30))]
    for a, b in ranges:
        assert get("main/big.bin", Range=f"bytes={a}-{b}") == data[a:b + 1], (a, b)
    assert get("main/big.bin", Range="bytes=-100") == data[-100:]
    assert code(lambda: get("main/big.bin", Range=f"bytes={len(data)}-")) == "InvalidRange"
    # Conditionals on the ETag.
    head = s3.head_object(Bucket="raw", Key="main/big.bin")
    assert head["ContentLength"] == len(data) and head["Metadata"]["dver-commit"]
    assert code(lambda: s3.get_object(Bucket="raw", Key="main/big.bin", IfNoneMatch=head["ETag"])) == "304"
    assert code(lambda: s3.get_object(Bucket="raw", Key="main/big.bin", IfMatch='"0000"')) == "PreconditionFailed"
    assert len(get("main/big.bin", IfMatch=head["ETag"])) == len(data)
    # Presigned URLs, fetched with curl; an expired one is refused.
    url = s3.generate_presigned_url("get_object", Params={"Bucket": "raw", "Key": "main/big.bin"}, ExpiresIn=60)
    assert subprocess.run(["curl", "-sf", url], capture_output=True).stdout == data
    short = s3.generate_presigned_url("get_object", Params={"Bucket": "raw", "Key": "main/big.bin"}, ExpiresIn=1)
    time.sleep(2.2)
    assert subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", short], capture_output=True).stdout == b"403"
    # Errors by their codes.
    assert code(lambda: get("main/../labels.csv")) == "InvalidURI"
    assert code(lambda: get("main/many/../../x")) == "InvalidURI"
    assert code(lambda: get("main/absent.txt")) == "NoSuchKey"
    assert code(lambda: get("nobranch/labels.csv")) == "NoSuchKey"
    assert code(lambda: get(e["V1"][:6] + "/labels.csv")) == "NoSuchKey"
    assert code(lambda: get("main/many")) == "NoSuchKey"
    assert code(lambda: s3.list_objects_v2(Bucket="absent")) == "NoSuchBucket"
    assert code(lambda: s3.put_object(Bucket="raw", Key="main/new.txt", Body=b"x")) == "MethodNotAllowed"
    bad = boto3.client("s3", endpoint_url=e["ENDPOINT"], aws_access_key_id=e["AWS_ACCESS_KEY_ID"], aws_secret_access_key="wrong-secret-wrong-secret", config=Config(signature_version="s3v4"))
    assert code(lambda: bad.list_buckets()) == "SignatureDoesNotMatch"
    try:
        urllib.request.urlopen(e["ENDPOINT"] + "/raw/main/labels.csv")
        raise AssertionError("an unsigned request was served")
    except urllib.error.HTTPError as error:
        assert error.code == 403 and b"AccessDenied" in error.read()
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["raw"]
    print("ok")
    """#

    static let dataScript = #"""
    import glob, os
    import duckdb, pandas, s3fs, duckdb_extension_httpfs
    e = os.environ
    options = {"key": e["AWS_ACCESS_KEY_ID"], "secret": e["AWS_SECRET_ACCESS_KEY"], "client_kwargs": {"endpoint_url": e["ENDPOINT"]}}
    now = pandas.read_csv("s3://raw/main/labels.csv", storage_options=options)
    old = pandas.read_csv("s3://raw/" + e["V1"][:8] + "/labels.csv", storage_options=options)
    assert list(now["label"]) == ["cat", "dog", "bird"] and list(old["label"]) == ["cat", "dog"], (now, old)
    fs = s3fs.S3FileSystem(**options)
    assert fs.cat("raw/main/big.bin") == open(e["ROOT"] + "/big.bin", "rb").read()
    assert sorted(fs.ls("raw/main/events")) == ["raw/main/events/part-1.parquet", "raw/main/events/part-2.parquet"]
    with fs.open("raw/main/big.bin", "rb") as handle:
        handle.seek(1_000_000)
        assert handle.read(1000) == open(e["ROOT"] + "/big.bin", "rb").read()[1_000_000:1_001_000]
    extension = glob.glob(os.path.dirname(duckdb_extension_httpfs.__file__) + "/extensions/*/httpfs.duckdb_extension")[0]
    con = duckdb.connect()
    con.execute(f"LOAD '{extension}'")
    con.execute(f"CREATE SECRET (TYPE s3, KEY_ID '{e['AWS_ACCESS_KEY_ID']}', SECRET '{e['AWS_SECRET_ACCESS_KEY']}', ENDPOINT '127.0.0.1:{e['PORT']}', URL_STYLE 'path', USE_SSL false, REGION 'us-east-1')")
    assert con.execute("SELECT count(*), sum(id) FROM read_parquet('s3://raw/main/events/*.parquet')").fetchall() == [(1500, 624250)]
    assert con.execute("SELECT count(*) FROM read_csv('s3://raw/main/labels.csv')").fetchall() == [(3,)]
    assert con.execute(f"SELECT count(*) FROM read_csv('s3://raw/{e['V1'][:8]}/labels.csv')").fetchall() == [(2,)]
    blob = con.execute("SELECT content FROM read_blob('s3://raw/main/big.bin')").fetchall()[0][0]
    assert bytes(blob) == open(e["ROOT"] + "/big.bin", "rb").read()
    print("ok")
    """#
}
