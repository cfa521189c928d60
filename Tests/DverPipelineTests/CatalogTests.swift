@testable import DverPipeline
import Testing

@Suite("Pipeline graph")
struct CatalogTests {
    func spec(_ name: String, reads repos: [String]) -> PipelineSpec {
        var transform = Transform()
        transform.cmd = ["true"]
        let inputs = repos.map { PipelineInput.pfs(PFSInput(name: $0, repo: $0)) }
        return PipelineSpec(name: name, input: inputs.count == 1 ? inputs[0] : .cross(inputs), transform: transform)
    }

    @Test("a cycle is rejected, naming the loop")
    func cycle() throws {
        let existing = [spec("b", reads: ["a"]), spec("c", reads: ["b"])]
        let error = try #require(throws: PipelineError.self) { try PipelineCatalog.checkAcyclic(existing, adding: spec("a", reads: ["c"])) }
        #expect(error.description.contains("a -> c -> b -> a"), "\(error)")
        #expect(throws: PipelineError.self) { try PipelineCatalog.checkAcyclic([], adding: spec("self", reads: ["self"])) }
        try PipelineCatalog.checkAcyclic(existing, adding: spec("d", reads: ["c", "raw"]))
    }

    @Test("topological order and downstream sets")
    func order() {
        let specs = [spec("report", reads: ["clean", "stats"]), spec("stats", reads: ["clean"]), spec("clean", reads: ["raw"]),
                     spec("other", reads: ["misc"])]
        let order = PipelineCatalog.topologicalOrder(specs).map(\.name)
        #expect(Set(order) == ["clean", "stats", "report", "other"])
        for (before, after) in [("clean", "stats"), ("stats", "report"), ("clean", "report")] {
            #expect((order.firstIndex(of: before) ?? 9) < (order.firstIndex(of: after) ?? -1), "\(order)")
        }
        #expect(PipelineCatalog.downstream(of: [("raw", "main")], in: specs).map(\.name) == ["clean", "stats", "report"])
        #expect(PipelineCatalog.downstream(of: [("raw", "dev")], in: specs).isEmpty)
        #expect(PipelineCatalog.downstream(of: [("misc", "main")], in: specs).map(\.name) == ["other"])
    }
}
