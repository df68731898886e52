using System.Text;

namespace SparseBert.IR;

/// <summary>
/// Renders a graph as text, one node a line:
///   %7 = linear "encoder.layer.0.attention.self.query" (%6, %3, %4) : f32[8, 128]
/// Deterministic, so dumps can be diffed between passes.
/// </summary>
public static class Printer
{
    public static string Print(Graph graph)
    {
        var text = new StringBuilder();
        for (int i = 0; i < graph.Nodes.Length; i++)
        {
            var node = graph.Nodes[i];
            text.Append('%').Append(i).Append(" = ").Append(node.OpName);
            text.Append(" \"").Append(Escape(node.Name)).Append('"');
            if (node.Inputs.Length > 0) text.Append(" (").Append(string.Join(", ", node.Inputs)).Append(')');
            if (node.Attributes.Length > 0) text.Append(' ').Append(node.Attributes);
            text.Append(" : ").Append(graph.Types[i]).Append('\n');
        }
        foreach (var output in graph.Outputs)
            text.Append("output \"").Append(Escape(output.Name)).Append("\" = ").Append(output.Value).Append('\n');
        return text.ToString();
    }

    static string Escape(string name) => BadInputException.Printable(name, 200).Replace("\"", "\\\"");
}
