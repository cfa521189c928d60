import DverRemote
import DverTestSupport
import Foundation
import Testing

/// One way an S3 server can lie in a ListObjectsV2 answer: the pages it serves, what the
/// error must say, and how many requests the listing may make before it gives up.
struct ListingAttack: Sendable, CustomTestStringConvertible {
    let testDescription: String
    let expected: String
    let maximumRequests: Int
    /// The body of page `number` (from 1), answered with 200.
    let page: @Sendable (_ number: Int) -> [UInt8]

    init(_ name: String, expecting expected: String, requests: Int = 1, page: @escaping @Sendable (_ number: Int) -> [UInt8]) {
        testDescription = name
        self.expected = expected
        maximumRequests = requests
        self.page = page
    }

    /// A one-page answer holding one object with these fields.
    init(_ name: String, expecting expected: String, key: String = "remote/packs/pack-a.pack", size: String = "10",
         modified: String = "2026-11-23T10:15:30.000Z") {
        self.init(name, expecting: expected) { _ in ListingXML.page([(key, size, modified)], next: nil) }
    }
}

/// ListObjectsV2 pages as a server writes them.
enum ListingXML {
    static func page(_ contents: [(key: String, size: String, modified: String)], next: String?) -> [UInt8] {
        var xml = #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n"
        xml += #"<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>bucket</Name><Prefix>remote/packs/</Prefix>"#
        xml += "<KeyCount>\(contents.count)</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>\(next != nil)</IsTruncated>"
        if let next { xml += "<NextContinuationToken>\(next)</NextContinuationToken>" }
        for (key, size, modified) in contents {
            xml += "<Contents><Key>\(key)</Key><LastModified>\(modified)</LastModified><ETag>&quot;abc&quot;</ETag>"
                + "<Size>\(size)</Size><StorageClass>STANDARD</StorageClass></Contents>"
        }
        return Array((xml + "</ListBucketResult>").utf8)
    }

    /// `count` new objects for page `number`.
    static func objects(page number: Int, count: Int) -> [(key: String, size: String, modified: String)] {
        (0..<count).map { ("remote/packs/p\(number)-\($0)", "1", "2026-11-23T10:15:30Z") }
    }
}

/// A remote's S3 server is as hostile as its objects: each crafted ListObjectsV2 answer is
/// refused with `RemoteError.corruptRemote` naming the problem — no trap, no unbounded read,
/// no endless paging. Served by `RecordingHTTPServer` on a free loopback port.
@Suite("hostile remotes: S3 listings")
struct HostileListingTests {
    static let attacks: [ListingAttack] = [
        ListingAttack("a key climbing out with ..", expecting: "'..' path component", key: "remote/packs/../../etc/passwd"),
        ListingAttack("a key outside the remote's prefix", expecting: "outside the remote's prefix", key: "other/packs/pack-a.pack"),
        ListingAttack("a key outside the listed prefix", expecting: "does not start with the prefix listed", key: "remote/pipelines/x.json"),
        ListingAttack("an empty path component", expecting: "empty path component", key: "remote/packs//x"),
        ListingAttack("a terminal escape in a key", expecting: "control character \\x1b", key: "remote/packs/a&#x1b;[31m"),
        ListingAttack("a size past UInt64", expecting: "<Size> '18446744073709551616' is not an integer", size: "18446744073709551616"),
        ListingAttack("a negative size", expecting: "<Size> '-1'", size: "-1"),
        ListingAttack("a size of 6 TiB", expecting: "<Size> '6597069766656'", size: "6597069766656"),
        ListingAttack("a size in hex", expecting: "<Size> '0x10'", size: "0x10"),
        ListingAttack("a size with an exponent", expecting: "<Size> '1e3'", size: "1e3"),
        ListingAttack("an empty size", expecting: "<Size> ''", size: ""),
        ListingAttack("a timestamp that is not one", expecting: "<LastModified>", modified: "yesterday"),
        ListingAttack("a timestamp in month 13", expecting: "<LastModified>", modified: "2026-13-01T00:00:00Z"),
        ListingAttack("a DOCTYPE defining entities", expecting: "DOCTYPE") { _ in
            Array(#"<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><ListBucketResult>&b;</ListBucketResult>"#.utf8)
        },
        ListingAttack("an unknown entity", expecting: "'&xxe;'") { _ in
            Array("<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>remote/packs/&xxe;</Key></Contents></ListBucketResult>".utf8)
        },
        ListingAttack("an unclosed element", expecting: "<Contents> is not closed") { _ in
            Array("<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>remote/packs/x</Key>".utf8)
        },
        ListingAttack("mismatched tags", expecting: "</Size> closes no open element") { _ in
            Array("<ListBucketResult><Contents><Key>k</Size></Contents></ListBucketResult>".utf8)
        },
        ListingAttack("an HTML page with status 200", expecting: "is a <html>, not a <ListBucketResult>") { _ in
            Array("<html><body>Welcome</body></html>".utf8)
        },
        ListingAttack("not XML at all", expecting: "text outside the root element") { _ in Array("{\"Contents\": []}".utf8) },
        ListingAttack("text that is not UTF-8", expecting: "not UTF-8") { _ in
            Array("<ListBucketResult><Key>".utf8) + [0xFF, 0xFE] + Array("</Key></ListBucketResult>".utf8)
        },
        ListingAttack("elements nested 100,000 deep", expecting: "nested deeper than 16") { _ in
            Array((String(repeating: "<a>", count: 100_000) + String(repeating: "</a>", count: 100_000)).utf8)
        },
        ListingAttack("a million empty elements", expecting: "more than 100000 elements") { _ in
            Array(("<ListBucketResult>" + String(repeating: "<a/>", count: 1_000_000) + "</ListBucketResult>").utf8)
        },
        ListingAttack("no IsTruncated", expecting: "<IsTruncated> is missing") { _ in Array("<ListBucketResult></ListBucketResult>".utf8) },
        ListingAttack("two IsTruncated", expecting: "has 2 <IsTruncated>") { _ in
            Array("<ListBucketResult><IsTruncated>true</IsTruncated><IsTruncated>false</IsTruncated></ListBucketResult>".utf8)
        },
        ListingAttack("a truncated page without a token", expecting: "without a usable <NextContinuationToken>") { _ in
            Array("<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>".utf8)
        },
        ListingAttack("a page of 9 MiB", expecting: "is larger than the 8388608 bytes expected") { _ in
            Array("<ListBucketResult><!--".utf8) + [UInt8](repeating: 0x61, count: 9 << 20) + Array("--></ListBucketResult>".utf8)
        },
        ListingAttack("1,001 keys in a page", expecting: "holds 1001 keys; at most 1000") { number in
            ListingXML.page(ListingXML.objects(page: number, count: 1001), next: nil)
        },
        ListingAttack("the same key on two pages", expecting: "'packs/p-same': it is listed twice (page 2)", requests: 2) { number in
            ListingXML.page([("remote/packs/p-same", "1", "2026-11-23T10:15:30Z")], next: number == 1 ? "t1" : nil)
        },
        ListingAttack("a continuation token that does not change", expecting: "does not advance", requests: 2) { number in
            ListingXML.page(ListingXML.objects(page: number, count: 1), next: "same")
        },
        ListingAttack("endless pages of 1,000 new keys", expecting: "holds more than 3000 objects", requests: 4) { number in
            ListingXML.page(ListingXML.objects(page: number, count: 1000), next: "t\(number)")
        },
        ListingAttack("endless pages of one new key", expecting: "went on for more than 31 pages", requests: 31) { number in
            ListingXML.page(ListingXML.objects(page: number, count: 1), next: "t\(number)")
        },
        ListingAttack("endless empty pages", expecting: "went on for more than 31 pages", requests: 31) { number in
            ListingXML.page([], next: "t\(number)")
        },
    ]

    /// A transport to the fake server: bucket `bucket`, remote prefix `remote`, at most 3,000
    /// objects a listing (so 31 pages).
    static func transport(_ server: RecordingHTTPServer) throws -> S3Transport {
        S3Transport(bucket: "bucket", prefix: "remote", endpoint: try S3Endpoint(endpoint: server.endpoint, region: "us-east-1", pathStyle: true),
                    credentials: S3Credentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "secret"), listingLimit: 3000)
    }

    @Test("a crafted listing is refused by name, within bounded requests", arguments: attacks)
    func refused(_ attack: ListingAttack) throws {
        let server = try RecordingHTTPServer { _, number in
            RecordingHTTPServer.Response(status: 200, reason: "OK", body: attack.page(number))
        }
        defer { server.stop() }
        let transport = try Self.transport(server)
        expectError({ try transport.list(prefix: "packs/") }) { error in
            guard case RemoteError.corruptRemote = error else { return false }
            return "\(error)".contains(attack.expected)
        }
        #expect(server.requests.count <= attack.maximumRequests)
    }

    @Test("pages are asked for with list-type=2, the full prefix and the previous token; references in keys are decoded")
    func requests() throws {
        let server = try RecordingHTTPServer { _, number in
            let body = number == 1
                ? ListingXML.page([("remote/packs/b&amp;c", "12", "2026-11-23T10:15:30.250Z")], next: "tok+1/=")
                : Array(("<ListBucketResult><IsTruncated>false</IsTruncated><!-- last --><Contents><Key><![CDATA[remote/packs/a<1>]]></Key>"
                         + "<Size>0</Size><LastModified>1970-01-01T00:00:00Z</LastModified></Contents></ListBucketResult>").utf8)
            return RecordingHTTPServer.Response(status: 200, reason: "OK", body: body)
        }
        defer { server.stop() }
        let listed = try Self.transport(server).list(prefix: "packs/")
        #expect(listed == [RemoteListing(key: "packs/a<1>", size: 0, modified: Date(timeIntervalSince1970: 0)),
                           RemoteListing(key: "packs/b&c", size: 12, modified: Date(timeIntervalSince1970: 1_795_428_930.25))])
        let lines = server.requests.compactMap { $0.split(separator: "\r\n").first.map(String.init) }
        #expect(lines == ["GET /bucket?list-type=2&max-keys=1000&prefix=remote%2Fpacks%2F HTTP/1.1",
                          "GET /bucket?continuation-token=tok%2B1%2F%3D&list-type=2&max-keys=1000&prefix=remote%2Fpacks%2F HTTP/1.1"])
    }

    @Test("delete sends DELETE; 204 and 404 NoSuchKey are both success, NoSuchBucket and 403 are errors")
    func delete() throws {
        let answers: [RecordingHTTPServer.Response] = [
            RecordingHTTPServer.Response(status: 204, reason: "No Content", headers: [], body: []),
            .noSuchKey,
            RecordingHTTPServer.Response(status: 404, reason: "Not Found", body: Array("<Error><Code>NoSuchBucket</Code></Error>".utf8)),
            RecordingHTTPServer.Response(status: 403, reason: "Forbidden", body: Array("<Error><Code>AccessDenied</Code></Error>".utf8)),
        ]
        let server = try RecordingHTTPServer { _, number in answers[min(number, answers.count) - 1] }
        defer { server.stop() }
        let transport = try Self.transport(server)
        try transport.delete("packs/pack-a.pack")
        try transport.delete("packs/pack-a.pack")
        expectError({ try transport.delete("packs/pack-a.pack") }) { error in
            if case RemoteError.bucketNotFound = error { return true }
            return false
        }
        expectError({ try transport.delete("packs/pack-a.pack") }) { error in
            if case RemoteError.accessDenied = error { return true }
            return false
        }
        #expect(server.requests.allSatisfy { $0.hasPrefix("DELETE /bucket/remote/packs/pack-a.pack HTTP/1.1") })
        #expect(server.requests.allSatisfy { !$0.lowercased().contains("content-type: application/x-www-form-urlencoded") })
        #expect(transport.requestCount == 4)
    }
}
