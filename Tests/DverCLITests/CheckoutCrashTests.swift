import DverCore
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// SIGKILL during `checkout`, then the same checkout again: it must finish without `--force`,
/// leave every file byte for byte as the target, and keep (or refuse to overwrite) a real edit
/// made before the checkout — as an uninterrupted checkout would.
@Suite("crash safety: checkout killed part-way and rerun")
struct CheckoutCrashTests {
    private static let iterations = 12

    @Test("SIGKILL during checkout at 12 seeded delays; the rerun completes without --force")
    func killedCheckouts() throws {
        let project = try TestProject()
        var random = SeededGenerator(seed: 0xC0FF_EE42)
        // Two versions differing in most files, plus large files so a switch takes a while.
        for version in 0..<2 {
            for file in 0..<1_500 where file % 3 != version {
                try project.write("data/raw/d\(file % 40)/f\(file).txt", random.text(2_000 + file % 700))
            }
            try project.write("data/raw/big.bin", random.mixture(24 << 20))
            try project.write("data/raw/keep.txt", "a file the switch never changes\n")
            if version == 1 {
                for file in 0..<1_500 where file % 3 == 1 { try project.remove("data/raw/d\(file % 40)/f\(file).txt") }
            }
            project.run(["add", "data/raw"])
            project.run(["commit", "-m", "version \(version)"])
        }
        let log = try project.run(["log", "raw", "--json"]).jsonArray().compactMap { $0["id"] as? String }
        let versions = [try #require(log.last), try #require(log.first)]
        var expected = [[String: String]]()
        for version in versions {
            project.run(["checkout", "-q", "raw@\(version)"])
            var files = try project.hashes(under: "data/raw")
            files["keep.txt"] = nil
            expected.append(files)
        }
        var killedMidway = 0
        for iteration in 0..<Self.iterations {
            let target = iteration % 2
            let delay = 5 + Int(random.next() % 300)
            let victim = try project.start(["checkout", "-q", "raw@\(versions[target])"])
            usleep(useconds_t(delay * 1000))
            victim.kill(SIGKILL)
            let outcome = try victim.wait()
            if outcome.signaled { killedMidway += 1 }
            let label = "iteration \(iteration): checkout killed after \(delay) ms (\(outcome.signaled ? "killed" : "finished"))"
            if iteration % 4 == 3 {
                // A real edit in a file the switch does not change is carried over.
                try project.write("data/raw/keep.txt", "my edit \(iteration)\n")
            }
            // Every other time, go back instead of finishing: both directions must work.
            let next = iteration % 3 == 2 ? 1 - target : target
            project.run(["checkout", "-q", "raw@\(versions[next])"])
            var files = try project.hashes(under: "data/raw")
            let keep = files.removeValue(forKey: "keep.txt")
            let differing = Set(files.keys).union(expected[next].keys).filter { files[$0] != expected[next][$0] }.sorted()
            #expect(differing.isEmpty, "\(label): \(differing.count) files differ from \(versions[next]), e.g. \(differing.prefix(5))")
            if iteration % 4 == 3 {
                #expect(try String(decoding: project.read("data/raw/keep.txt"), as: UTF8.self) == "my edit \(iteration)\n", "\(label)")
                project.run(["restore", "data/raw/keep.txt"])
            } else {
                #expect(keep != nil)
            }
            let status = project.run(["status"])
            #expect(status.stdout.contains("nothing to commit"), "\(label): \(status)")
            #expect(!project.run(["fsck"]).stdout.contains("error:"), "\(label)")
        }
        // A real edit to a file the interrupted switch deletes is refused, as without a crash.
        project.run(["checkout", "-q", "raw@\(versions[0])"])
        let victim = try project.start(["checkout", "-q", "raw@\(versions[1])"])
        usleep(60_000)
        victim.kill(SIGKILL)
        _ = try victim.wait()
        try project.write("data/raw/d1/f1.txt", "a real edit\n")
        let refused = project.run(["checkout", "raw@\(versions[1])"], expect: 2)
        #expect(refused.stderr.contains("d1/f1.txt"), "\(refused)")
        #expect(try String(decoding: project.read("data/raw/d1/f1.txt"), as: UTF8.self) == "a real edit\n")
        #expect(killedMidway >= 3, "only \(killedMidway) kills landed while dver ran")
    }
}
