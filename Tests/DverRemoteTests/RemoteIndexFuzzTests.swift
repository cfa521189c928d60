import DverCore
import DverRemote
import DverTestSupport
import Foundation
import Testing

/// Seeded mutations of a remote's `index.json`: decoding never traps, and what it accepts
/// holds only valid names, mounts, pack names and spec hashes.
@Suite("fuzz: remote index.json")
struct RemoteIndexFuzzTests {
    @Test("mutated index.json never traps; what decodes is valid")
    func remoteIndexes() throws {
        var index = RemoteIndex()
        index.generation = 7
        index.register([RemotePackRecord(name: "pack-" + String(repeating: "ab", count: 32), packSize: 1_000,
                                         indexSize: 1_080 + 52 * 3, objects: 3)])
        index.repos["raw"] = RemoteRepoRecord(mount: "data/raw", defaultBranch: "main",
                                              branches: ["main": String(repeating: "cd", count: 32)])
        index.repos["img"] = RemoteRepoRecord(mount: "data/img", defaultBranch: "main", branches: [:])
        index.pipelines = ["clean": String(repeating: "ef", count: 32), "stats": String(repeating: "01", count: 32)]
        var mutator = Mutator(seed: 0x1DE, samples: [try index.encoded()])
        for _ in 0..<Mutator.iterations(3_000) {
            guard let decoded = try? RemoteIndex.decode(mutator.next(), url: "fuzz") else { continue }
            for (name, repo) in decoded.repos {
                #expect(NameRules.repoNameProblem(name) == nil)
                #expect(NameRules.mountProblem(repo.mount) == nil)
            }
            for pack in decoded.packs { #expect(NameRules.isPackName(pack.name)) }
            for (name, hash) in decoded.pipelines {
                #expect(NameRules.repoNameProblem(name) == nil)
                #expect(ObjectID(hex: hash)?.hex == hash)
            }
        }
    }
}
