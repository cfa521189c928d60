import DverSystem
import Foundation
import Testing

@Suite("Multi-pack index through the commands")
struct MultiPackIndexCommandTests {
    @Test("commits accumulate packs and get a layer; fsck names a damaged layer and gc writes it anew")
    func damagedLayerRepairedByGC() throws {
        let project = try TestProject()
        for round in 0..<10 {
            try project.write("data/raw/f\(round).txt", "round \(round)\n")
            project.run(["add", "-q", "data/raw"])
            project.run(["commit", "-q", "-m", "round \(round)"])
        }
        let packs = project.path(".dver/packs")
        let layers = try FileSystem.list(packs).map(\.name).filter { $0.hasSuffix(".midx") }
        #expect(!layers.isEmpty, "20 sessions made no layer")
        project.run(["fsck", "-q"])

        let layer = try #require(layers.first)
        var bytes = try FileSystem.readFile("\(packs)/\(layer)")
        bytes[bytes.count / 2] ^= 0x01
        try FileSystem.changeMode("\(packs)/\(layer)", 0o644)
        try FileSystem.writeAtomically("\(packs)/\(layer)", bytes, durable: false)
        // Every file still checks out and reads.
        #expect(project.run(["cat", "raw@main:f3.txt"]).stdout == "round 3\n")
        let fsck = project.run(["fsck"], expect: nil)
        #expect(fsck.status != 0)
        #expect(fsck.stdout.contains(layer) && fsck.stdout.contains("dver gc"), "\(fsck.stdout)")

        project.run(["gc", "-q"])
        let after = try FileSystem.list(packs).map(\.name).filter { $0.hasSuffix(".midx") }
        #expect(after.count == 1 && after != [layer], "\(after)")
        project.run(["fsck", "-q"])
        #expect(project.run(["cat", "raw@main:f9.txt"]).stdout == "round 9\n")
    }
}
