//! The report's SVG charts, drawn with plotters (text left to the viewer's fonts).

use std::path::{Path, PathBuf};

use plotters::{
    prelude::*,
    style::text_anchor::{HPos, Pos, VPos},
};

use crate::{plan::Kind, Run};

type Error = Box<dyn std::error::Error>;

const KINDS: [Kind; 4] = [Kind::Lambdo, Kind::Hand, Kind::LambdaHttp, Kind::Powertools];

fn color(kind: Kind) -> RGBColor {
    match kind {
        Kind::Lambdo => RGBColor(0xd9, 0x5f, 0x02),
        Kind::Hand => RGBColor(0x1b, 0x6a, 0xc9),
        Kind::LambdaHttp => RGBColor(0x1b, 0x9e, 0x77),
        Kind::Powertools => RGBColor(0x75, 0x70, 0xb3),
    }
}

fn label(kind: Kind) -> &'static str {
    match kind {
        Kind::Lambdo => "lambdo",
        Kind::Hand => "hand-written lambda_runtime",
        Kind::LambdaHttp => "lambda_http + axum",
        Kind::Powertools => "Powertools (Python)",
    }
}

/// Writes every chart into `folder`; returns their paths.
pub(crate) fn write(run: &Run, folder: &Path) -> Result<Vec<PathBuf>, Error> {
    std::fs::create_dir_all(folder)?;
    let shown: Vec<usize> = (0..run.workloads.len())
        .filter(|&index| !matches!(run.workloads[index].id, "sqs100" | "sqs1000"))
        .collect();
    let cold = folder.join("cold-start.svg");
    bars(
        run,
        &shown,
        &cold,
        "Cold start: exec → first response (median, log scale)",
        "ms",
        |figures| Some(figures.cold(|cold| cold.first_response_ms).0),
    )?;
    let warm = folder.join("warm-cpu.svg");
    bars(
        run,
        &shown,
        &warm,
        "Warm invocation: CPU time (median, log scale)",
        "µs",
        |figures| Some(figures.warm(|warm| warm.cpu_us).0),
    )?;
    let scaling = folder.join("batch-scaling.svg");
    batch_scaling(run, &scaling)?;
    Ok(vec![cold, warm, scaling])
}

/// One group of bars per workload, one bar per contender kind, on a log scale.
fn bars(
    run: &Run,
    shown: &[usize],
    path: &Path,
    caption: &str,
    unit: &str,
    pick: fn(&crate::Figures) -> Option<f64>,
) -> Result<(), Error> {
    let values: Vec<Vec<(Kind, f64)>> = shown
        .iter()
        .map(|&index| {
            let workload = &run.workloads[index];
            workload
                .contenders
                .iter()
                .zip(&run.figures[index])
                .filter_map(|(contender, figures)| Some((contender.kind, pick(figures)?)))
                .filter(|(_, value)| *value > 0.0)
                .collect()
        })
        .collect();
    let all = values.iter().flatten().map(|(_, value)| *value);
    let high = all.clone().fold(1.0f64, f64::max) * 8.0;
    let low = all.fold(f64::MAX, f64::min).min(high / 10.0) / 3.0;
    let root = SVGBackend::new(path, (1000, 520)).into_drawing_area();
    root.fill(&WHITE)?;
    let groups = shown.len() as f64;
    let mut chart = ChartBuilder::on(&root)
        .caption(caption, ("sans-serif", 20))
        .margin(15)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(0.0..groups, (low..high).log_scale())?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(0)
        .max_light_lines(1)
        .y_label_formatter(&|value| format!("{value}"))
        .y_desc(unit)
        .draw()?;
    // The workloads' names under their groups (a numeric axis has no category labels).
    let under = TextStyle::from(("sans-serif", 14).into_font()).pos(Pos::new(HPos::Center, VPos::Top));
    for (group, &index) in shown.iter().enumerate() {
        let (x, y) = chart.plotting_area().map_coordinate(&(group as f64 + 0.5, low));
        root.draw(&Text::new(run.workloads[index].id, (x, y + 8), under.clone()))?;
    }
    for kind in KINDS {
        let style = color(kind).filled();
        // Each group's bars share 0.8 of its width, in the contenders' order.
        let bars: Vec<Rectangle<(f64, f64)>> = values
            .iter()
            .enumerate()
            .filter_map(|(group, values)| {
                let slot = values.iter().position(|(mine, _)| *mine == kind)?;
                let width = 0.8 / values.len() as f64;
                let left = group as f64 + 0.1 + slot as f64 * width;
                Some(Rectangle::new(
                    [(left, low), (left + width, values[slot].1)],
                    style,
                ))
            })
            .collect();
        if bars.is_empty() {
            continue;
        }
        chart
            .draw_series(bars)?
            .label(label(kind))
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], style));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}

/// CPU per record against batch size, log–log, one line per contender kind.
fn batch_scaling(run: &Run, path: &Path) -> Result<(), Error> {
    let mut lines: Vec<(Kind, Vec<(f64, f64)>)> = KINDS.iter().map(|&kind| (kind, Vec::new())).collect();
    for (index, workload) in run.workloads.iter().enumerate() {
        if !workload.id.starts_with("sqs") {
            continue;
        }
        for (contender, figures) in workload.contenders.iter().zip(&run.figures[index]) {
            let cpu = figures.warm(|warm| warm.cpu_us).0;
            if let Some((_, points)) = lines.iter_mut().find(|(kind, _)| *kind == contender.kind) {
                points.push((workload.records as f64, (cpu / workload.records as f64).max(1e-3)));
            }
        }
    }
    let values = lines
        .iter()
        .flat_map(|(_, points)| points.iter().map(|(_, value)| *value));
    let high = values.clone().fold(1.0f64, f64::max) * 3.0;
    let low = values.fold(f64::MAX, f64::min).min(high / 10.0) / 3.0;
    let most = lines
        .iter()
        .flat_map(|(_, points)| points.iter().map(|(records, _)| *records))
        .fold(10.0f64, f64::max);
    let root = SVGBackend::new(path, (1000, 520)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "SQS: warm CPU per record by batch size (log–log)",
            ("sans-serif", 20),
        )
        .margin(15)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d((5.0..most * 2.0).log_scale(), (low..high).log_scale())?;
    chart
        .configure_mesh()
        .max_light_lines(1)
        .x_label_formatter(&|records| format!("{records}"))
        .y_label_formatter(&|value| format!("{value}"))
        .x_desc("records in the batch")
        .y_desc("µs per record")
        .draw()?;
    for (kind, points) in lines.into_iter().filter(|(_, points)| !points.is_empty()) {
        let style = color(kind).stroke_width(2);
        chart
            .draw_series(LineSeries::new(points.clone(), style))?
            .label(label(kind))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 14, y)], style));
        chart.draw_series(
            points
                .iter()
                .map(|&point| Circle::new(point, 4, color(kind).filled())),
        )?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}
