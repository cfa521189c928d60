import DverTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Commands stopped halfway: a killed or interrupted pipeline job keeps the datums that
/// finished, Ctrl-C during `add` leaves no temporary files, and `dver commit` has said what it
/// committed before its pipelines start.
@Suite("CLI: interrupted commands")
struct InterruptionTests {
    /// A project whose pipeline `slow` copies five files, one datum each, in order; the datum
    /// of c.txt touches `blocked`, then waits while the file `block` exists.
    struct BlockingPipeline {
        let project: TestProject
        var block: String { "\(project.outside)/block" }
        var blocked: String { "\(project.outside)/blocked" }

        init(trigger: Bool = false) throws {
            project = try TestProject()
            for name in ["a", "b", "c", "d", "e"] { try project.write("data/raw/\(name).txt", "\(name)\n") }
            project.run(["add", "data/raw"])
            project.run(["commit", "-m", "one", "--no-trigger"])
            let cmd = """
            for f in $DVER_PFS/raw/*; do
              if [ $(basename $f) = c.txt ] && [ -e \(project.outside)/block ]; then
                touch \(project.outside)/blocked
                while [ -e \(project.outside)/block ]; do sleep 0.05; done
              fi
              cp $f $DVER_OUTPUT/
            done
            """
            try project.write("pipelines/slow.yaml", PipelineCommandTests.spec("slow", cmd: cmd))
            project.run(["pipeline", "create", "pipelines/slow.yaml"])
            FileManager.default.createFile(atPath: block, contents: nil)
        }

        /// Waits (up to 60 s) for `condition`.
        func wait(_ what: String, until condition: () -> Bool) throws {
            let deadline = Date().addingTimeInterval(60)
            while !condition() {
                try #require(Date() < deadline, "timed out waiting for \(what)")
                usleep(20_000)
            }
        }

        var cachedResults: Int {
            let directory = project.path(".dver/pipelines/datums")
            let fanouts = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            return fanouts.reduce(0) { $0 + ((try? FileManager.default.contentsOfDirectory(atPath: "\(directory)/\($1)"))?.count ?? 0) }
        }

        var temporaryFiles: [String] {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: project.path(".dver/tmp"))) ?? []
            return names.filter { !$0.hasPrefix("job-") }
        }
    }

    @Test("a killed job keeps the datums that finished: the rerun skips them",
          arguments: [("SIGKILL", SIGKILL), ("SIGINT", SIGINT)])
    func interruptedJob(name: String, signal: Int32) throws {
        let scene = try BlockingPipeline()
        let job = try scene.project.start(["pipeline", "run", "slow"])
        try scene.wait("the third datum to start") { FileManager.default.fileExists(atPath: scene.blocked) }
        if signal == SIGKILL {
            // Nothing runs after SIGKILL: the two results must have been cached as they finished.
            try scene.wait("the finished datums to be cached") { scene.cachedResults == 2 }
        }
        job.kill(signal)
        let killed = try job.wait()
        #expect(killed.signaled && killed.status == signal, "\(killed)")
        #expect(scene.cachedResults == 2)
        #expect(scene.temporaryFiles.isEmpty, "left in .dver/tmp: \(scene.temporaryFiles)")
        let record = try #require(try scene.project.run(["job", "list", "--json"]).jsonArray().first)
        #expect(record["state"] as? String == "failed")
        if signal == SIGINT {
            #expect((record["error"] as? String ?? "").contains("interrupted (Ctrl-C)"), "\(record)")
        }

        try FileManager.default.removeItem(atPath: scene.block)
        let rerun = try #require(try scene.project.run(["pipeline", "run", "slow", "--json"]).jsonArray().first)
        #expect(rerun["state"] as? String == "succeeded")
        #expect(rerun["skipped"] as? Int == 2 && rerun["ran"] as? Int == 3, "\(rerun)")
        #expect(try scene.project.hashes(under: "data/slow").count == 5)
        #expect(scene.project.run(["fsck"]).status == 0)
    }

    @Test("dver commit prints the commit before its pipelines run")
    func commitLinesFirst() throws {
        let scene = try BlockingPipeline()
        try scene.project.write("data/raw/c.txt", "changed\n")
        scene.project.run(["add", "data/raw"])
        let commit = try scene.project.start(["commit", "-m", "two"])
        try scene.wait("the pipeline to start") { FileManager.default.fileExists(atPath: scene.blocked) }
        try scene.wait("the commit line while the pipeline runs") { commit.standardOutputSoFar.contains("[raw@main ") }
        #expect(commit.isRunning)
        try FileManager.default.removeItem(atPath: scene.block)
        let result = try commit.wait()
        #expect(result.status == 0, "\(result)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("[raw@main ") == true && lines.last { $0.hasPrefix("job ") } != nil, "\(result)")
    }

    @Test("Ctrl-C during add removes its temporary pack files; fsck stays clean")
    func interruptedAdd() throws {
        let project = try TestProject()
        var generator = SeededGenerator(seed: 12)
        try project.write("data/big/big.bin", generator.mixture(300 << 20))
        let add = try project.start(["add", "data/big"])
        let temporary = project.path(".dver/tmp")
        func writing() -> Bool {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: temporary)) ?? []
            return names.contains { name in
                name.hasPrefix("pack-") && ((try? FileManager.default.attributesOfItem(atPath: "\(temporary)/\(name)")[.size] as? Int) ?? 0) > 0
            }
        }
        let deadline = Date().addingTimeInterval(60)
        while !writing(), add.isRunning, Date() < deadline { usleep(1_000) }
        try #require(add.isRunning, "add ended before it could be interrupted")
        add.kill(SIGINT)
        let result = try add.wait()
        #expect(result.signaled && result.status == SIGINT, "\(result)")
        let left = try FileManager.default.contentsOfDirectory(atPath: temporary)
        #expect(left.isEmpty, "left in .dver/tmp: \(left)")
        let fsck = project.run(["fsck"])
        #expect(!fsck.stderr.contains("warning"), "\(fsck)")
    }
}
