import DverCore
@testable import DverGit
import DverTestSupport
import Testing

/// Seeded mutations of `dver.lock` texts, as anyone who can push a git commit could write
/// them: parsing never traps, and what parses holds only valid names and mounts.
@Suite("fuzz: dver.lock parser")
struct LockFileFuzzTests {
    @Test("mutated lock files never trap; every accepted entry has valid names")
    func lockFiles() {
        let lock = LockFile(entries: [
            .init(repo: "raw", branch: "main", commit: LockFileTests.a, path: "data/raw"),
            .init(repo: "images", branch: nil, commit: LockFileTests.b, path: "data/my images"),
        ])
        var mutator = Mutator(seed: 0x10C, samples: [Array(lock.rendered().utf8)])
        for _ in 0..<Mutator.iterations(3_000) {
            guard let parsed = try? LockFile.parse(String(decoding: mutator.next(), as: UTF8.self)) else { continue }
            for entry in parsed.entries {
                #expect(NameRules.repoNameProblem(entry.repo) == nil)
                #expect(NameRules.mountProblem(entry.path) == nil)
            }
        }
    }
}
