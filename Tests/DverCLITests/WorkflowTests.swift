import DverCore
import Foundation
import Testing

/// The README workflow, end to end through the built binary.
@Suite("README workflow")
struct WorkflowTests {
    @Test("init, add, status, commit, change, log, diff, ls, cat, checkout, fsck")
    func singleRepoWorkflow() throws {
        let project = try TestProject()
        var random = SeededGenerator(seed: 0x5EED_0001)
        let big = random.bytes(3 << 20)
        let small = random.bytes(100_000)
        try project.write("data/raw/a.csv", "id,value\n1,2\n2,3\n")
        try project.write("data/raw/b.txt", "first line\n")
        try project.write("data/raw/sub/c.bin", small)
        try project.write("data/raw/big.bin", big)

        let add = project.run(["add", "data/raw"])
        #expect(add.stdout.contains("Created repo 'raw' mounted at data/raw/"))
        #expect(add.stdout.contains("4 added"))
        let staged = project.run(["status"])
        #expect(staged.stdout.contains("staged for commit"))
        for file in ["a.csv", "b.txt", "sub/c.bin", "big.bin"] {
            #expect(staged.stdout.contains("added    data/raw/\(file)"), "status: \(staged.stdout)")
        }
        let first = project.run(["commit", "-m", "first drop"])
        #expect(first.stdout.contains("[raw@main "))
        #expect(first.stdout.contains("first drop (4 added)"))
        #expect(project.run(["status"]).stdout.contains("nothing to commit, workspace clean"))
        let version1 = try project.hashes(under: "data/raw")
        #expect(version1.count == 4)

        try project.write("data/raw/a.csv", "id,value\n1,20\n2,3\n")
        try project.append("data/raw/b.txt", "second line\n")
        try project.remove("data/raw/sub/c.bin")
        try project.write("data/raw/d.txt", "new file\n")
        let dirty = project.run(["status"])
        #expect(dirty.stdout.contains("modified data/raw/a.csv"))
        #expect(dirty.stdout.contains("deleted  data/raw/sub/c.bin"))
        #expect(dirty.stdout.contains("data/raw/d.txt"))
        let second = project.run(["add", "data/raw"])
        #expect(second.stdout.contains("1 added, 2 modified, 1 deleted"), "\(second)")
        project.run(["commit", "-m", "fix a"])
        let version2 = try project.hashes(under: "data/raw")
        #expect(Set(version2.keys) == ["a.csv", "b.txt", "big.bin", "d.txt"])

        let log = project.run(["log", "raw"]).stdout
        let fixIndex = try #require(log.range(of: "fix a")).lowerBound
        let dropIndex = try #require(log.range(of: "first drop")).lowerBound
        #expect(fixIndex < dropIndex, "newest commit first")
        #expect(log.components(separatedBy: "\ncommit ").count == 2)
        let logJSON = try project.run(["log", "raw", "--json"]).jsonArray()
        #expect(logJSON.compactMap { $0["message"] as? String } == ["fix a", "first drop"])
        #expect(logJSON.allSatisfy { ($0["id"] as? String).flatMap(ObjectID.init(hex:)) != nil })

        let diff = project.run(["diff", "raw@main~1", "raw@main"]).stdout
        for line in ["M  data/raw/a.csv", "M  data/raw/b.txt", "A  data/raw/d.txt", "D  data/raw/sub/c.bin"] {
            #expect(diff.contains(line), "diff: \(diff)")
        }
        #expect(!diff.contains("big.bin"))
        let diffJSON = try project.run(["diff", "--json", "raw@main~1", "raw@main"]).jsonArray()
        let kinds = Dictionary(uniqueKeysWithValues: diffJSON.map { ($0["path"] as? String ?? "", $0["change"] as? String ?? "") })
        #expect(kinds == ["data/raw/a.csv": "modified", "data/raw/b.txt": "modified",
                          "data/raw/d.txt": "added", "data/raw/sub/c.bin": "deleted"])

        let listing = project.run(["ls", "raw"]).stdout
        for name in ["a.csv", "b.txt", "big.bin", "d.txt"] { #expect(listing.contains(name)) }
        let recursive = try project.run(["ls", "-r", "--json", "raw@main~1"]).jsonArray()
        let sizes = Dictionary(uniqueKeysWithValues: recursive.map { ($0["path"] as? String ?? "", $0["size"] as? Int ?? -1) })
        #expect(sizes["sub/c.bin"] == small.count)
        #expect(sizes["big.bin"] == big.count)

        #expect(Array(project.run(["cat", "raw@main:big.bin"]).stdoutData) == big)
        #expect(Array(project.run(["cat", "raw@main~1:sub/c.bin"]).stdoutData) == small)
        #expect(project.run(["cat", "raw@main:a.csv"]).stdout == "id,value\n1,20\n2,3\n")

        let back = project.run(["checkout", "raw@main~1"])
        #expect(back.stdout.contains("detached at"))
        #expect(try project.hashes(under: "data/raw") == version1)
        #expect(project.run(["status"]).stdout.contains("nothing to commit"))
        project.run(["checkout", "raw@main"])
        #expect(try project.hashes(under: "data/raw") == version2)
        #expect(project.run(["status", "--json"]).stdout.contains("\"branch\" : \"main\""))
        project.run(["fsck"])
    }

    @Test("a commit set spans repos; checking it out restores both; du reports the store")
    func commitSetsAndDiskUsage() throws {
        let project = try TestProject()
        var random = SeededGenerator(seed: 0x5EED_0002)
        try project.write("data/images/cat.bin", random.bytes(300_000))
        try project.write("data/labels/cat.txt", "cat\n")
        project.run(["add", "data/images", "data/labels"])
        let first = try project.run(["commit", "-m", "both", "--json"]).jsonObject()
        let setID = try #require(first["commit_set"] as? String)
        let commits = try #require(first["commits"] as? [[String: Any]])
        #expect(Set(commits.compactMap { $0["repo"] as? String }) == ["images", "labels"])
        let images1 = try project.hashes(under: "data/images")
        let labels1 = try project.hashes(under: "data/labels")

        try project.write("data/images/cat.bin", random.bytes(300_000))
        try project.write("data/images/dog.bin", random.text(200_000))
        try project.write("data/labels/cat.txt", "a cat\n")
        project.run(["add", "data/images", "data/labels"])
        let second = try project.run(["commit", "-m", "more", "--json"]).jsonObject()
        #expect(second["commit_set"] as? String != setID)
        let images2 = try project.hashes(under: "data/images")
        #expect(images2 != images1)

        let checkout = project.run(["checkout", setID])
        #expect(checkout.stdout.contains("repo images"), "\(checkout)")
        #expect(checkout.stdout.contains("repo labels"))
        #expect(try project.hashes(under: "data/images") == images1)
        #expect(try project.hashes(under: "data/labels") == labels1)
        #expect(!project.exists("data/images/dog.bin"))
        project.run(["checkout", "images@main"])
        #expect(try project.hashes(under: "data/images") == images2)

        let usage = try project.run(["du", "--json"]).jsonObject()
        let store = try #require(usage["store"] as? [String: Any])
        for key in ["packs", "objects", "stored_bytes", "unique_bytes", "unique_stored_bytes",
                    "logical_bytes", "dedup_ratio", "compression_ratio"] {
            #expect(store[key] is NSNumber, "du --json store.\(key): \(usage)")
        }
        let repos = try #require(usage["repos"] as? [[String: Any]])
        let images = try #require(repos.first { $0["name"] as? String == "images" })
        #expect(images["commits"] as? Int == 2)
        #expect(images["logical_bytes"] as? Int == 300_000 + 500_000)
        #expect((store["logical_bytes"] as? Int ?? 0) >= (store["unique_bytes"] as? Int ?? .max))
        #expect((store["packs"] as? Int ?? 0) > 0)
        let fsck = try project.run(["fsck", "--json"]).jsonObject()
        #expect(fsck["healthy"] as? Bool == true)
        #expect(fsck["commits"] as? Int == 4)
    }
}
