//! The report's two plots as SVG (plotters' SVG backend writes text as `<text>` elements, so
//! no font files are needed): latency percentiles against offered load, and CPU per
//! delivered frame by group size, each with both systems (medians over the passes). The x
//! axes are ordinal (one evenly spaced position per measured rate or size), the y axes
//! logarithmic.

use super::error::{BenchError, Result};
use super::report::{System, SystemReport};
use super::summary::{median, passes_of};
use plotters::prelude::*;
use std::path::Path;

const SIZE: (u32, u32) = (820, 500);
const OURS: RGBColor = RGBColor(0x1f, 0x6f, 0xd1);
const THEIRS: RGBColor = RGBColor(0xd1, 0x5a, 0x1f);

fn plot_error(err: impl std::fmt::Display) -> BenchError {
    BenchError::Workload(format!("drawing a plot: {err}"))
}

/// One line of a plot: its label, colour, weight (p50 thin, p99 thick) and points.
struct Line {
    label: String,
    color: RGBColor,
    thin: bool,
    points: Vec<(f64, f64)>,
}

/// Medians over `passes` of `value` at each `x` that has one.
fn medians(
    passes: &[&SystemReport],
    xs: &[f64],
    value: impl Fn(&SystemReport, f64) -> Option<f64>,
) -> Vec<(f64, f64)> {
    xs.iter()
        .filter_map(|&x| {
            let mut values: Vec<f64> = passes.iter().filter_map(|p| value(p, x)).collect();
            (!values.is_empty()).then(|| (x, median(&mut values)))
        })
        .collect()
}

/// Latency p50 and p99 (ms) against offered messages/s, both axes logarithmic.
pub fn latency(passes: &[SystemReport], path: &Path) -> Result<()> {
    let mut rates: Vec<f64> = passes
        .iter()
        .flat_map(|p| p.latency.iter().map(|l| l.offered_per_sec as f64))
        .collect();
    rates.sort_by(|a, b| a.total_cmp(b));
    rates.dedup();
    let mut lines = Vec::new();
    for (system, label, color) in [
        (System::Switchboard, "Switchboard", OURS),
        (System::Socketio, "Socket.IO", THEIRS),
    ] {
        let of = passes_of(passes, system);
        for (pct, thin) in [("p50", true), ("p99", false)] {
            let points = medians(&of, &rates, |p, x| {
                let l = p.latency.iter().find(|l| l.offered_per_sec as f64 == x)?;
                let us = if pct == "p50" {
                    l.latency.p50_us
                } else {
                    l.latency.p99_us
                };
                Some((us as f64 / 1000.0).max(0.01))
            });
            if !points.is_empty() {
                lines.push(Line {
                    label: format!("{label} {pct}"),
                    color,
                    thin,
                    points,
                });
            }
        }
    }
    draw(
        path,
        "End-to-end latency across two nodes (open loop)",
        "offered messages per second",
        "latency (ms)",
        &rates,
        &lines,
    )
}

/// Server CPU µs per delivered frame against group size.
pub fn cpu_per_frame(passes: &[SystemReport], path: &Path) -> Result<()> {
    let mut sizes: Vec<f64> = passes
        .iter()
        .flat_map(|p| p.fanout.iter().map(|f| f.group_size as f64))
        .collect();
    sizes.sort_by(|a, b| a.total_cmp(b));
    sizes.dedup();
    let mut lines = Vec::new();
    for (system, label, color) in [
        (System::Switchboard, "Switchboard", OURS),
        (System::Socketio, "Socket.IO", THEIRS),
    ] {
        let points = medians(&passes_of(passes, system), &sizes, |p, x| {
            let f = p.fanout.iter().find(|f| f.group_size as f64 == x)?;
            Some(f.cpu_us_per_frame.max(0.01))
        });
        if !points.is_empty() {
            lines.push(Line {
                label: label.into(),
                color,
                thin: false,
                points,
            });
        }
    }
    draw(
        path,
        "Server CPU per delivered frame (fan-out)",
        "members per conversation (room)",
        "CPU µs per delivered frame",
        &sizes,
        &lines,
    )
}

/// Both axes logarithmic, bounds padded around the data.
/// The x axis is ordinal: one evenly spaced position per value of `categories` (the rates or
/// group sizes measured), labelled with the value; the y axis is logarithmic.
fn draw(
    path: &Path,
    title: &str,
    x_desc: &str,
    y_desc: &str,
    categories: &[f64],
    lines: &[Line],
) -> Result<()> {
    let position = |x: f64| categories.iter().position(|c| *c == x).unwrap_or(0) as f64;
    let (mut y0, mut y1) = (f64::MAX, f64::MIN);
    for &(_, y) in lines.iter().flat_map(|l| l.points.iter()) {
        y0 = y0.min(y);
        y1 = y1.max(y);
    }
    if y0 > y1 {
        return Err(BenchError::Workload(format!(
            "nothing to plot for {}",
            path.display()
        )));
    }
    let (x0, x1) = (-0.5, categories.len() as f64 - 0.5);
    let (y0, y1) = (y0 / 2.0, y1 * 2.0);
    let root = SVGBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(plot_error)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 22))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(64)
        .build_cartesian_2d(x0..x1, (y0..y1).log_scale())
        .map_err(plot_error)?;
    chart
        .configure_mesh()
        .light_line_style(TRANSPARENT)
        .x_labels(categories.len() * 4 + 1)
        .y_labels(10)
        .x_desc(x_desc)
        .y_desc(y_desc)
        .x_label_formatter(&|x| {
            let index = x.round();
            match categories.get(index as usize) {
                Some(value) if (x - index).abs() < 1e-6 && index >= 0.0 => format!("{value:.0}"),
                _ => String::new(),
            }
        })
        .y_label_formatter(&|y| {
            if *y >= 1.0 {
                format!("{y:.0}")
            } else {
                format!("{y:.2}")
            }
        })
        .draw()
        .map_err(plot_error)?;
    for line in lines {
        let color = line.color;
        let style = ShapeStyle {
            color: color.to_rgba(),
            filled: false,
            stroke_width: if line.thin { 1 } else { 2 },
        };
        chart
            .draw_series(LineSeries::new(
                line.points.iter().map(|&(x, y)| (position(x), y)),
                style,
            ))
            .map_err(plot_error)?
            .label(line.label.as_str())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], style));
        chart
            .draw_series(
                line.points
                    .iter()
                    .map(|&(x, y)| Circle::new((position(x), y), 3, color.filled())),
            )
            .map_err(plot_error)?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()
        .map_err(plot_error)?;
    root.present().map_err(plot_error)?;
    Ok(())
}
