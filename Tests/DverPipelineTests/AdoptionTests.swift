@testable import DverPipeline
import DverRepository
import Testing

/// Received specs joining the catalog (`PipelineCatalog.checkAdoption`/`adopt`) under the rules
/// `dver pipeline create` and `update` apply.
@Suite("Adopting received specs")
struct AdoptionTests {
    static func spec(_ name: String, reads repo: String = "raw", cmd: String = "true") throws -> PipelineSpec {
        try SpecParser(file: "test.yaml").parse(PipelineProject.localSpec(name: name, repo: repo, cmd: cmd))
    }

    @Test("a new spec gets its output repo at data/NAME on its output branch, as create does, and runs")
    func createsOutputRepo() throws {
        let fixture = try PipelineProject.make(["data/raw/a.txt": "apple\n"])
        try fixture.commit()
        let catalog = fixture.runner.catalog
        let received = try Self.spec("upper", cmd: "tr a-z A-Z < $DVER_INPUT_RAW > $DVER_OUTPUT/$(basename $DVER_INPUT_RAW)")
        let adoptions = try catalog.adopt([received], source: "origin", arrivingRepos: [], project: fixture.project)
        #expect(adoptions.map(\.createdRepo?.mount) == ["data/upper"])
        let stored = try catalog.load("upper")
        #expect(stored.spec == received && stored.specHash == received.hash.hex && stored.sourcePath == "origin")
        #expect(try SpecParser(file: "x").parse(stored.sourceYAML) == received)
        #expect(try fixture.run("upper").state == .succeeded)
        #expect(try fixture.files("upper") == ["a.txt": "APPLE\n"])
    }

    @Test("an output repo arriving with the spec is reused; replacing a local spec keeps its creation time")
    func reusesArrivingRepo() throws {
        let fixture = try PipelineProject.make(["data/raw/a.txt": "a\n", "data/upper/x.txt": "x\n"])
        try fixture.commit("c", ["data/raw", "data/upper"])
        let catalog = fixture.runner.catalog
        try catalog.checkAdoption([try Self.spec("upper")], arrivingRepos: ["upper"], project: fixture.project)
        let first = try catalog.adopt([try Self.spec("upper")], source: "origin", arrivingRepos: ["upper"], project: fixture.project)
        #expect(first.first?.createdRepo == nil && first.first?.replaced == nil)
        let second = try catalog.adopt([try Self.spec("upper", cmd: "false")], source: "origin", arrivingRepos: [], project: fixture.project)
        #expect(second.first?.replaced?.spec.transform.cmd == ["sh", "-c", "true"])
        #expect(try catalog.load("upper").created == first.first?.pipeline.created)
        #expect(try catalog.load("upper").spec.transform.cmd == ["sh", "-c", "false"])
    }

    @Test("refused before anything changes: a missing input, a cycle, an unrelated repo of the output's name")
    func refusals() throws {
        let fixture = try PipelineProject.make(["data/raw/a.txt": "a\n", "data/taken/b.txt": "b\n"])
        try fixture.commit("c", ["data/raw", "data/taken"])
        let catalog = fixture.runner.catalog
        let project = fixture.project
        #expect(throws: PipelineError.self) { try catalog.adopt([try Self.spec("p", reads: "nope")], source: "o", arrivingRepos: [], project: project) }
        // An input arriving with the transfer, or produced by another received pipeline, is fine.
        try catalog.checkAdoption([try Self.spec("p", reads: "nope")], arrivingRepos: ["nope"], project: project)
        try catalog.checkAdoption([try Self.spec("p", reads: "q"), try Self.spec("q")], arrivingRepos: [], project: project)
        let cycle = try #require(throws: PipelineError.self) {
            try catalog.checkAdoption([try Self.spec("p", reads: "q"), try Self.spec("q", reads: "p")], arrivingRepos: [], project: project)
        }
        #expect(cycle.description.contains("cycle"))
        let taken = try #require(throws: PipelineError.self) {
            try catalog.adopt([try Self.spec("taken")], source: "o", arrivingRepos: [], project: project)
        }
        #expect(taken.description.contains("a repo named 'taken' already exists"))
        #expect(try catalog.all().isEmpty)
        #expect(try project.repos().map(\.name).sorted() == ["raw", "taken"])
    }
}
