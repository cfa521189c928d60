import DverCore
import DverRepository
import DverStore
import DverSystem
import Foundation
import Testing

/// A clean workspace is checked out by the difference between the two commits (few changes)
/// or by one pass over the target tree (many changes): both must leave the same workspace and
/// index, through every kind of change.
@Suite("checkout by tree difference and by full pass agree")
struct CheckoutChangesTests {
    /// Three versions covering: modified, deleted, added in a new directory, a file replaced by
    /// a directory (and back), an exec bit flipped, a symlink retargeted. `bulk` extra files
    /// change in every version: 3 keeps the change count small (checkout by difference), 300
    /// exceeds the limit (the full pass).
    static func versions(bulk: Int) -> [[String: FileContent]] {
        (0..<3).map { version in
            var files: [String: FileContent] = ["same.csv": "same\n", "big.bin": .random(size: 300_000, seed: 3)]
            for number in 0..<bulk { files["bulk/\(number).txt"] = FileContent(stringLiteral: "bulk \(number) v\(version)\n") }
            switch version {
            case 0:
                files["a.csv"] = "a0\n"
                files["gone.csv"] = "gone\n"
                files["x"] = "x is a file\n"
                files["run.sh"] = "echo hi\n"
                files["link"] = .symlink(to: "a.csv")
            case 1:
                files["a.csv"] = "a1\n"
                files["new/deep/n.csv"] = "n\n"
                files["x/y"] = "x is a directory\n"
                files["run.sh"] = .executable("echo hi\n")
                files["link"] = .symlink(to: "same.csv")
            default:
                files["a.csv"] = "a2\n"
                files["x"] = "x is a file again\n"
                files["run.sh"] = "echo hi\n"
            }
            return files
        }
    }

    /// data/raw holds exactly `files`: bytes, exec bits and symlink targets.
    static func expectWorkspace(_ ws: Workspace, _ files: [String: FileContent], sourceLocation: SourceLocation = #_sourceLocation) throws {
        var found = [String]()
        let root = ws.absolute("data/raw")
        let enumerator = FileManager.default.enumerator(atPath: root)
        while let name = enumerator?.nextObject() as? String {
            if try FileSystem.linkStatus("\(root)/\(name)").kind != .directory { found.append(name) }
        }
        #expect(Set(found) == Set(files.keys), sourceLocation: sourceLocation)
        for (path, content) in files {
            let full = "data/raw/\(path)"
            switch content.kind {
            case .symlink(let target):
                #expect(try FileSystem.readLink(ws.absolute(full)) == target, "\(path)", sourceLocation: sourceLocation)
            case .bytes(let bytes, let executable):
                #expect(try ws.bytes(full) == bytes, "\(path)", sourceLocation: sourceLocation)
                #expect(try ws.stat(full).isExecutable == executable, "\(path)", sourceLocation: sourceLocation)
            case .fifo:
                Issue.record("no FIFOs in this history")
            }
        }
    }

    @Test("every version checks out exactly, in any order, and status is clean after each", arguments: [3, 300])
    func roundTrips(bulk: Int) throws {
        let versions = Self.versions(bulk: bulk)
        let ws = try CheckoutTests.history(versions)
        for (revision, version) in [("raw@main~2", 0), ("raw@main~1", 1), ("raw@main", 2), ("raw@main~2", 0), ("raw@main", 2), ("raw@main~1", 1)] {
            let result = try ws.checkout(revision)
            try Self.expectWorkspace(ws, versions[version])
            let status = try ws.status("raw")
            #expect(status.isClean, "after \(revision): \(status)")
            #expect(result.written + result.unchanged == versions[version].count, "after \(revision)")
            let index = try ws.index()
            let entries = index.entries.map(\.path)
            #expect(entries == versions[version].keys.map { "data/raw/\($0)" }.sorted { $0.precedesInByteOrder($1) })
            #expect(index.entries.allSatisfy { $0.staged == $0.base && $0.stat != .empty }, "every entry has its stat data")
        }
    }

    @Test("an untracked file where the target puts a file refuses the checkout and changes nothing")
    func untrackedInTheWay() throws {
        let ws = try CheckoutTests.history(Array(Self.versions(bulk: 3).prefix(2)))
        try ws.checkout("raw@main~1")
        try ws.write("data/raw/new/deep/n.csv", "mine\n")
        let indexBefore = try ws.index()
        #expect(throws: RepositoryError.self) { try ws.checkout("raw@main") }
        #expect(try ws.text("data/raw/new/deep/n.csv") == "mine\n")
        #expect(try ws.text("data/raw/a.csv") == "a0\n", "nothing else was written")
        #expect(try ws.index().entries == indexBefore.entries)
    }
}
