import Foundation
import Testing

/// `dver gc --remote` on a directory remote: what it reclaims, what it keeps, and that every
/// branch still clones byte for byte.
@Suite("remote gc")
struct RemoteGarbageCollectionTests {
    /// Objects in the packs the remote's index lists.
    static func listedObjects(_ remote: String) throws -> Int {
        let index = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(remote)/index.json"))) as? [String: Any]
        return (index?["packs"] as? [[String: Any]] ?? []).reduce(0) { $0 + ($1["objects"] as? Int ?? 0) }
    }

    static func packBytes(_ remote: String) throws -> UInt64 {
        try FileManager.default.contentsOfDirectory(atPath: "\(remote)/packs").reduce(0) { total, name in
            total + ((try FileManager.default.attributesOfItem(atPath: "\(remote)/packs/\(name)")[.size] as? UInt64) ?? 0)
        }
    }

    @Test("20 pushes, a deleted branch and a force-push: gc keeps exactly what the branches reach, and every branch clones the same")
    func reclaims() throws {
        let project = try TestProject()
        let remote = project.path("remote")
        var generator = SeededGenerator(seed: 14)
        for index in 0..<40 { try project.write("data/raw/f\(index).bin", generator.bytes(40_000)) }
        project.commitRaw("v0")
        project.run(["remote", "add", "origin", remote])
        project.run(["push", "-q"])
        for round in 1...20 {
            for index in 0..<4 { try project.write("data/raw/f\((round * 4 + index) % 40).bin", generator.bytes(40_000)) }
            project.commitRaw("v\(round)", pushing: ["push", "-q"])
        }
        project.run(["branch", "feature"])
        project.run(["checkout", "-q", "raw@feature"])
        for index in 0..<6 { try project.write("data/raw/extra\(index).bin", generator.bytes(50_000)) }
        project.commitRaw("feature", pushing: ["push", "-q"])
        project.run(["checkout", "-q", "raw@main"])
        project.run(["push", "origin", "raw@feature", "--delete"])
        project.run(["branch", "-d", "feature", "--force"])
        project.run(["reset", "-q", "--hard", "raw@main~2"])
        project.run(["push", "-q", "--force"])

        let before = try Self.packBytes(remote)
        let usage = try project.run(["du", "--remote", "origin", "--json"]).jsonObject()
        #expect(usage["logical_bytes"] as? UInt64 == 40 * 40_000 && usage["stored_bytes"] as? UInt64 == before, "\(usage)")
        #expect(usage["reclaimable_bytes"] as? UInt64 == 0, "everything is inside the default grace period: \(usage)")
        let dry = try project.run(["gc", "--remote", "origin", "--grace", "0", "--force", "--tombstone-hours", "0",
                                   "--rewrite-below", "1", "--dry-run", "--json"]).jsonObject()
        #expect(dry["dry_run"] as? Bool == true)
        #expect(try Self.packBytes(remote) == before, "a dry run changed the remote")
        let roots = (dry["roots"] as? [[String: Any]] ?? []).compactMap { $0["reason"] as? String }
        #expect(roots == ["branch raw@main"], "\(roots)")

        let first = try project.run(["gc", "--remote", "origin", "--grace", "0", "--force", "--tombstone-hours", "0",
                                     "--rewrite-below", "1", "--json"]).jsonObject()
        #expect((first["packs"] as? [[String: Any]] ?? []).contains { $0["action"] as? String != "keep" }, "\(first)")
        #expect((first["bytes_pending"] as? UInt64 ?? 0) > 0)

        // What stays is exactly what a clone of the branches needs.
        project.run(["clone", "-q", remote, project.path("copy")])
        let cloned = try project.run(["du", "--json"], in: "copy").jsonObject()
        let clonedObjects = (cloned["store"] as? [String: Any])?["objects"] as? Int
        let listed = try Self.listedObjects(remote)
        #expect(listed == clonedObjects, "remote lists \(listed), a clone holds \(clonedObjects ?? -1)")
        #expect(try project.hashes(under: "copy/data/raw") == project.hashes(under: "data/raw"))
        project.run(["fsck", "-q"], in: "copy")

        // A second run deletes the packs the first took out of the index, and finds nothing
        // more to rewrite; what the remote stores shrank by the unreachable bytes.
        let second = try project.run(["gc", "--remote", "origin", "--grace", "0", "--force", "--tombstone-hours", "0",
                                      "--rewrite-below", "1", "--json"]).jsonObject()
        #expect((second["packs"] as? [[String: Any]] ?? []).allSatisfy { $0["action"] as? String == "keep" }, "\(second)")
        #expect(!(second["tombstones_deleted"] as? [String] ?? []).isEmpty)
        let after = try Self.packBytes(remote)
        #expect(after < before, "\(before) -> \(after)")
        let third = try project.run(["gc", "--remote", "origin", "--grace", "0", "--force", "--tombstone-hours", "0",
                                     "--rewrite-below", "1", "--json"]).jsonObject()
        #expect(third["bytes_after"] as? UInt64 == third["bytes_before"] as? UInt64, "\(third)")
        project.run(["clone", "-q", remote, project.path("copy1")])
        #expect(try project.hashes(under: "copy1/data/raw") == project.hashes(under: "data/raw"))

        // Pushing after gc works, and so does a clone of it.
        try project.write("data/raw/late.bin", generator.bytes(30_000))
        project.commitRaw("after gc", pushing: ["push", "-q"])
        project.run(["clone", "-q", remote, project.path("copy2")])
        #expect(try project.hashes(under: "copy2/data/raw") == project.hashes(under: "data/raw"))
    }

    @Test("the grace period keeps recent packs and leftovers; 0 needs --force")
    func grace() throws {
        let project = try TestProject()
        let remote = project.path("remote")
        var first = SeededGenerator(seed: 3)
        try project.write("data/raw/a.bin", first.bytes(50_000))
        project.commitRaw("one")
        project.run(["remote", "add", "origin", remote])
        project.run(["push", "-q"])
        var second = SeededGenerator(seed: 4)
        try project.write("data/raw/a.bin", second.bytes(50_000))
        project.commitRaw("two", pushing: ["push", "-q", "--force"])
        try Data("leftover".utf8).write(to: URL(fileURLWithPath: "\(remote)/packs/pack-\(String(repeating: "ab", count: 32)).pack"))
        let refused = project.run(["gc", "--remote", "origin", "--grace", "0"], expect: 64)
        #expect(refused.stderr.contains("--force"))
        let before = try Self.packBytes(remote)
        let report = try project.run(["gc", "--remote", "origin", "--json"]).jsonObject()
        #expect((report["packs"] as? [[String: Any]] ?? []).allSatisfy { $0["action"] as? String == "keep" })
        #expect((report["leftovers"] as? [[String: Any]] ?? []).allSatisfy { $0["deleted"] as? Bool == false })
        #expect(try Self.packBytes(remote) == before)
    }
}

/// SIGKILL of `dver gc --remote` at points spread over its run.
@Suite("remote gc killed")
struct RemoteGarbageCollectionKillTests {
    @Test("a gc killed at 16 points leaves a remote that clones whole each time, and a rerun finishes")
    func killed() throws {
        let project = try TestProject()
        let remote = project.path("remote")
        var generator = SeededGenerator(seed: 99)
        for index in 0..<30 { try project.write("data/raw/f\(index).bin", generator.bytes(30_000)) }
        project.commitRaw("base")
        project.run(["remote", "add", "origin", remote])
        project.run(["push", "-q"])
        let gc = ["gc", "--remote", "origin", "--grace", "0", "--force", "--tombstone-hours", "0", "--rewrite-below", "1", "--no-git-pins", "-q"]
        /// A commit replacing the previous one, force-pushed: its predecessor's chunks die.
        func replaceHead(_ round: Int) throws {
            for index in 0..<6 { try project.write("data/raw/f\((round * 6 + index) % 30).bin", generator.bytes(30_000)) }
            if round > 0 { project.run(["reset", "-q", "raw@main~1"]) }
            project.commitRaw("round \(round)", pushing: ["push", "-q", "--force"])
        }
        try replaceHead(0)
        let started = Date()
        project.run(gc)
        let duration = max(Date().timeIntervalSince(started), 0.05)
        for point in 0..<16 {
            try replaceHead(point + 1)
            let process = try project.start(gc)
            usleep(useconds_t(duration * 1_000_000 * Double(point) / 15))
            process.kill(SIGKILL)
            _ = try process.wait()
            let copy = "copy-\(point)"
            project.run(["clone", "-q", remote, project.path(copy)])
            #expect(try project.hashes(under: "\(copy)/data/raw") == project.hashes(under: "data/raw"), "after a kill at point \(point)")
            project.run(["fsck", "-q"], in: copy)
        }
        project.run(gc)
        project.run(gc)
        project.run(["clone", "-q", remote, project.path("final")])
        #expect(try project.hashes(under: "final/data/raw") == project.hashes(under: "data/raw"))
        let report = try project.run(Array(gc.dropLast()) + ["--json"]).jsonObject()
        #expect((report["packs"] as? [[String: Any]] ?? []).allSatisfy { $0["action"] as? String == "keep" }, "\(report)")
    }
}

/// Data a git tag pins stays on the remote after no branch reaches it any more.
@Suite("remote gc and git pins", .enabled(if: gitIsInstalled, "git is not installed"))
struct RemoteGarbageCollectionGitTests {
    @Test("a commit dver.lock pins at a git tag is a root; --no-git-pins lets it go")
    func tagPins() throws {
        let project = try TestProject()
        try project.gitInit()
        let remote = project.path("remote")
        var generator = SeededGenerator(seed: 5)
        try project.write("data/raw/a.bin", generator.bytes(30_000))
        project.commitRaw("base")
        try project.write("data/raw/a.bin", generator.bytes(30_000))
        project.commitRaw("v1")
        let v1 = try #require(try project.run(["log", "raw", "--json"]).jsonArray().first?["id"] as? String)
        let v1Files = try project.hashes(under: "data/raw")
        try project.git(["add", "-A"])
        try project.git(["commit", "-q", "-m", "train v1"])
        try project.git(["tag", "v1"])
        project.run(["remote", "add", "origin", remote])
        project.run(["push", "-q"])
        // The data branch moves on without v1: only the tag's dver.lock still pins it.
        project.run(["reset", "-q", "--hard", "raw@main~1"])
        try project.write("data/raw/a.bin", generator.bytes(30_000))
        project.commitRaw("v2", pushing: ["push", "-q", "--force"])
        let options = ["gc", "--remote", "origin", "--grace", "0", "--force", "--tombstone-hours", "0", "--rewrite-below", "1", "--json"]
        let pinned = try project.run(options + ["--dry-run"]).jsonObject()
        let roots = (pinned["roots"] as? [[String: Any]] ?? []).map { "\($0["reason"] ?? "") \($0["commit"] ?? "")" }
        #expect(roots.contains { $0.hasPrefix("git refs/tags/v1 pins raw") && $0.hasSuffix(v1) }, "\(roots)")
        project.run(Array(options.dropLast()))
        project.run(Array(options.dropLast()))
        // A git clone of the code restores the tag's data from the remote.
        func restoreTag(_ directory: String) throws -> DverResult {
            try project.git(["clone", "-q", project.root, project.path(directory)])
            project.run(["init", "-q"], in: directory)
            project.run(["remote", "add", "origin", remote], in: directory)
            return project.run(["checkout", "--git", "v1"], expect: nil, in: directory)
        }
        let restored = try restoreTag("code")
        #expect(restored.status == 0, "\(restored.stderr)")
        #expect(try project.hashes(under: "code/data/raw") == v1Files)
        // Without git pins, v1's data goes.
        project.run(Array(options.dropLast()) + ["--no-git-pins"])
        project.run(Array(options.dropLast()) + ["--no-git-pins"])
        #expect(try restoreTag("code2").status != 0)
    }
}

/// A cluster executor's result records on the remote: recent ones keep their outputs.
@Suite("remote gc and cluster records")
struct RemoteGarbageCollectionClusterTests {
    @Test("a datum result younger than the grace period is a root; an older one is deleted and its output collected")
    func datumResults() throws {
        let project = try TestProject()
        let remote = project.path("remote")
        var generator = SeededGenerator(seed: 8)
        try project.write("data/raw/a.bin", generator.bytes(20_000))
        project.commitRaw("base")
        project.run(["remote", "add", "origin", remote])
        project.run(["push", "-q"])
        // A commit on a branch that is then deleted: only the result record below names it.
        project.run(["branch", "-r", "raw", "out"])
        project.run(["checkout", "-q", "raw@out"])
        try project.write("data/raw/result.bin", generator.bytes(20_000))
        project.commitRaw("a datum's output")
        let output = try #require(try project.run(["log", "raw", "--json"]).jsonArray().first?["id"] as? String)
        project.run(["push", "-q", "origin", "raw@out"])
        project.run(["checkout", "-q", "raw@main"])
        project.run(["push", "origin", "raw@out", "--delete"])
        project.run(["branch", "-d", "out", "--force"])
        let key = String(repeating: "ab", count: 32)
        try FileManager.default.createDirectory(atPath: "\(remote)/datums", withIntermediateDirectories: true)
        let record = "{\"version\":1,\"key\":\"\(key)\",\"job\":\"j1\",\"succeeded\":true,\"commit\":\"\(output)\",\"packs\":[],\"attempts\":1,\"timed_out\":false,\"seconds\":1}"
        try Data(record.utf8).write(to: URL(fileURLWithPath: "\(remote)/datums/\(key).json"))
        let options = ["gc", "--remote", "origin", "--grace", "0.0001", "--tombstone-hours", "0", "--rewrite-below", "1", "--json"]
        sleep(9)   // past the ~9 s grace period: the packs may go; the record was just rewritten
        try Data(record.utf8).write(to: URL(fileURLWithPath: "\(remote)/datums/\(key).json"))
        let young = try project.run(options + ["--dry-run"]).jsonObject()
        let roots = (young["roots"] as? [[String: Any]] ?? []).compactMap { $0["reason"] as? String }
        #expect(roots.contains { $0.hasPrefix("datum result abababababab") }, "\(roots)")
        project.run(options)
        project.run(options)
        let before = try RemoteGarbageCollectionTests.listedObjects(remote)
        // The record ages past the grace period: it goes, and so does what only it held.
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -3_600)], ofItemAtPath: "\(remote)/datums/\(key).json")
        project.run(options)
        project.run(options)
        #expect(!FileManager.default.fileExists(atPath: "\(remote)/datums/\(key).json"))
        let after = try RemoteGarbageCollectionTests.listedObjects(remote)
        #expect(after < before, "\(before) -> \(after) objects")
        project.run(["clone", "-q", remote, project.path("copy")])
        #expect(try project.hashes(under: "copy/data/raw") == project.hashes(under: "data/raw"))
    }
}

/// Spec blobs on a remote that no pipeline names any more.
@Suite("remote gc and pipeline specs")
struct RemoteGarbageCollectionSpecTests {
    @Test("a replaced spec's blob goes; the current one stays and a clone gets it")
    func specBlobs() throws {
        let project = try TestProject()
        let remote = project.path("remote")
        try project.write("data/raw/a.txt", "apple\n")
        project.run(["add", "-q", "data/raw"])
        project.run(["commit", "-q", "-m", "one", "--no-trigger"])
        try project.write("pipelines/upper.yaml", PipelineCommandTests.spec("upper", cmd: PipelineCommandTests.upper))
        project.run(["pipeline", "create", "-q", "pipelines/upper.yaml"])
        project.run(["remote", "add", "origin", remote])
        project.run(["push", "-q"])
        try project.write("pipelines/upper.yaml", PipelineCommandTests.spec("upper", cmd: PipelineCommandTests.upper + " # v2"))
        project.run(["pipeline", "update", "-q", "pipelines/upper.yaml"])
        project.run(["push", "-q"])
        let blobs = try FileManager.default.contentsOfDirectory(atPath: "\(remote)/pipelines")
        #expect(blobs.count == 2)
        let report = try project.run(["gc", "--remote", "origin", "--grace", "0", "--force", "--json"]).jsonObject()
        let leftovers = (report["leftovers"] as? [[String: Any]] ?? []).filter { ($0["key"] as? String)?.hasPrefix("pipelines/") == true }
        #expect(leftovers.count == 1 && leftovers.first?["deleted"] as? Bool == true, "\(leftovers)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(remote)/pipelines").count == 1)
        project.run(["clone", "-q", remote, project.path("copy")])
        #expect(project.run(["pipeline", "inspect", "upper"], in: "copy").stdout.contains("# v2"))
    }
}

/// `gc.json` comes from the remote: damaged or hostile, it stops gc before anything changes.
@Suite("remote gc and a hostile gc.json")
struct RemoteGarbageCollectionHostileTests {
    @Test("a gc.json that does not parse, or whose tombstone names no pack, is refused and nothing is deleted",
          arguments: ["{not json", #"{"format":1,"tombstones":[{"pack":"../../outside","removed":0,"pack_size":1,"index_size":1,"pack_modified":0}]}"#,
                      #"{"format":2,"tombstones":[]}"#, #"{"format":1,"tombstones":[{"pack":"pack-00","removed":-5,"pack_size":1,"index_size":1,"pack_modified":0}]}"#])
    func refused(_ text: String) throws {
        let project = try TestProject()
        let remote = project.path("remote")
        var generator = SeededGenerator(seed: 2)
        try project.write("data/raw/a.bin", generator.bytes(10_000))
        project.commitRaw("one")
        project.run(["remote", "add", "origin", remote])
        project.run(["push", "-q"])
        try Data(text.utf8).write(to: URL(fileURLWithPath: "\(remote)/gc.json"))
        let before = try RemoteGarbageCollectionTests.packBytes(remote)
        let result = project.run(["gc", "--remote", "origin", "--grace", "0", "--force", "--tombstone-hours", "0"], expect: 3)
        #expect(result.stderr.contains("gc.json"), "\(result.stderr)")
        #expect(try RemoteGarbageCollectionTests.packBytes(remote) == before)
        project.run(["clone", "-q", remote, project.path("copy")])
    }
}
