//! Shortest walking distances: one multi-source Dijkstra from every shop of a
//! kind at once (not one search per home), then the distance of any snapped
//! point in constant time.
//!
//! A shop on edge (a, b) seeds node a with `connect + to_a` and node b with
//! `connect + to_b`. A home on edge (a, b) is then at
//! `connect + min(d(a) + to_a, d(b) + to_b)`, or, for a shop on the same edge,
//! `connect_home + |to_a_home − to_a_shop| + connect_shop` when shorter: the
//! exact distance in the graph with homes and shops inserted as nodes on
//! their edges. Metres; `f64::INFINITY` where nothing is reached.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use super::graph::WalkNetwork;
use super::snap::Snap;

/// The distance of every node from the nearest seed, stopping beyond
/// `limit_m` (nodes farther away stay infinite). Seeds are (node, metres).
pub fn node_distances(network: &WalkNetwork, seeds: &[(u32, f64)], limit_m: f64) -> Vec<f64> {
    let mut distance_m = vec![f64::INFINITY; network.n_nodes()];
    // non-negative f64s order as their bit patterns
    let mut queue: BinaryHeap<Reverse<(u64, u32)>> = BinaryHeap::new();
    for &(node, seed_m) in seeds {
        if seed_m < distance_m[node as usize] && seed_m <= limit_m {
            distance_m[node as usize] = seed_m;
            queue.push(Reverse((seed_m.to_bits(), node)));
        }
    }
    let edges = network.edges();
    while let Some(Reverse((bits, node))) = queue.pop() {
        let here_m = f64::from_bits(bits);
        if here_m > distance_m[node as usize] {
            continue;
        }
        for &(neighbour, edge_idx) in network.neighbours(node) {
            let there_m = here_m + edges[edge_idx as usize].length_m;
            if there_m < distance_m[neighbour as usize] && there_m <= limit_m {
                distance_m[neighbour as usize] = there_m;
                queue.push(Reverse((there_m.to_bits(), neighbour)));
            }
        }
    }
    distance_m
}

/// The walking distance from every point of the network to the nearest of a
/// set of shops.
#[derive(Debug, Clone)]
pub struct ShopDistances {
    node_m: Vec<f64>,
    /// Shops by edge: (to_a_m, connect_m).
    on_edge: HashMap<u32, Vec<(f64, f64)>>,
}

impl ShopDistances {
    /// One pass from all `shops` (their snaps).
    pub fn new(network: &WalkNetwork, shops: &[Snap]) -> Self {
        let edges = network.edges();
        let mut seeds = Vec::with_capacity(shops.len() * 2);
        let mut on_edge: HashMap<u32, Vec<(f64, f64)>> = HashMap::new();
        for shop in shops {
            let edge = edges[shop.edge as usize];
            seeds.push((edge.a, shop.connect_m + shop.to_a_m));
            seeds.push((edge.b, shop.connect_m + shop.to_b_m));
            on_edge
                .entry(shop.edge)
                .or_default()
                .push((shop.to_a_m, shop.connect_m));
        }
        ShopDistances {
            node_m: node_distances(network, &seeds, f64::INFINITY),
            on_edge,
        }
    }

    /// The walking distance from the point snapped at `home` to the nearest shop.
    pub fn to(&self, network: &WalkNetwork, home: &Snap) -> f64 {
        let edge = network.edges()[home.edge as usize];
        let via_nodes = (self.node_m[edge.a as usize] + home.to_a_m)
            .min(self.node_m[edge.b as usize] + home.to_b_m);
        let along_edge = self
            .on_edge
            .get(&home.edge)
            .into_iter()
            .flatten()
            .map(|(to_a_m, connect_m)| (home.to_a_m - to_a_m).abs() + connect_m)
            .fold(f64::INFINITY, f64::min);
        home.connect_m + via_nodes.min(along_edge)
    }

    /// The distance of every node (infinite where no shop is reached).
    pub fn node_m(&self) -> &[f64] {
        &self.node_m
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::coverage::graph::Edge;
    use geo::{point, Coord};
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// A jittered grid of `side` × `side` nodes 100 m apart with some edges
    /// missing (so that some parts may not connect).
    fn random_network(side: usize, rng: &mut ChaCha8Rng) -> WalkNetwork {
        let step_lat = 100.0 / 111_226.0;
        let step_lon = 100.0 / (111_320.0 * 50.96f64.to_radians().cos());
        let nodes: Vec<Coord<f64>> = (0..side * side)
            .map(|i| Coord {
                x: 5.4 + (i % side) as f64 * step_lon + rng.random_range(-0.2..0.2) * step_lon,
                y: 50.9 + (i / side) as f64 * step_lat + rng.random_range(-0.2..0.2) * step_lat,
            })
            .collect();
        let mut edges = Vec::new();
        for i in 0..side * side {
            let neighbours = [
                (i % side + 1 < side).then(|| i + 1),
                (i / side + 1 < side).then(|| i + side),
            ];
            for j in neighbours.into_iter().flatten() {
                if rng.random_bool(0.8) {
                    let length_m = geo::Distance::distance(
                        &geo::Geodesic,
                        geo::Point::from(nodes[i]),
                        geo::Point::from(nodes[j]),
                    );
                    edges.push(Edge {
                        a: i as u32,
                        b: j as u32,
                        length_m,
                    });
                }
            }
        }
        WalkNetwork::from_parts(nodes, edges)
    }

    /// The distance between two snapped points by a plain Dijkstra over the
    /// graph with both points inserted as nodes (the brute-force answer).
    fn brute_force(network: &WalkNetwork, from: &Snap, to: &Snap) -> f64 {
        let n = network.n_nodes();
        let (source, target) = (n as u32, n as u32 + 1);
        let mut adjacency: Vec<Vec<(u32, f64)>> = vec![Vec::new(); n + 2];
        for (edge_idx, edge) in network.edges().iter().enumerate() {
            // split the edge at the points on it, in order along it
            let mut stops = vec![(0.0, edge.a)];
            for (snap, node) in [(from, source), (to, target)] {
                if snap.edge as usize == edge_idx {
                    stops.push((snap.to_a_m, node));
                }
            }
            stops.push((edge.length_m, edge.b));
            stops.sort_by(|x, y| x.0.total_cmp(&y.0));
            for pair in stops.windows(2) {
                let length = pair[1].0 - pair[0].0;
                adjacency[pair[0].1 as usize].push((pair[1].1, length));
                adjacency[pair[1].1 as usize].push((pair[0].1, length));
            }
        }
        let mut distance = vec![f64::INFINITY; n + 2];
        let mut done = vec![false; n + 2];
        distance[source as usize] = 0.0;
        // quadratic Dijkstra: simple enough to trust
        while let Some(node) = (0..n + 2)
            .filter(|&i| !done[i] && distance[i].is_finite())
            .min_by(|&i, &j| distance[i].total_cmp(&distance[j]))
        {
            done[node] = true;
            for &(next, length) in &adjacency[node] {
                distance[next as usize] = distance[next as usize].min(distance[node] + length);
            }
        }
        from.connect_m + distance[target as usize] + to.connect_m
    }

    #[test]
    fn multi_source_distances_equal_a_brute_force_dijkstra_per_home() {
        let mut rng = ChaCha8Rng::seed_from_u64(6);
        for _ in 0..4 {
            let network = random_network(12, &mut rng);
            let random_point = |rng: &mut ChaCha8Rng| point!(x: 5.4 + rng.random_range(-0.0005..0.017), y: 50.9 + rng.random_range(-0.0005..0.011));
            let shops: Vec<Snap> = (0..5)
                .filter_map(|_| network.snap(random_point(&mut rng)))
                .collect();
            let distances = ShopDistances::new(&network, &shops);
            for _ in 0..40 {
                let Some(home) = network.snap(random_point(&mut rng)) else {
                    continue;
                };
                let expected = shops
                    .iter()
                    .map(|shop| brute_force(&network, &home, shop))
                    .fold(f64::INFINITY, f64::min);
                let got = distances.to(&network, &home);
                assert!(
                    (got == expected) || (got - expected).abs() < 1e-6,
                    "{got} vs {expected}"
                );
            }
        }
    }

    #[test]
    fn a_home_and_a_shop_on_one_edge_walk_along_it() {
        let network = random_network(3, &mut ChaCha8Rng::seed_from_u64(1));
        let edge = network.edges()[0];
        let shop = Snap {
            edge: 0,
            to_a_m: 10.0,
            to_b_m: edge.length_m - 10.0,
            connect_m: 5.0,
            foot: Coord { x: 0.0, y: 0.0 },
        };
        let home = Snap {
            edge: 0,
            to_a_m: 30.0,
            to_b_m: edge.length_m - 30.0,
            connect_m: 7.0,
            foot: Coord { x: 0.0, y: 0.0 },
        };
        let distances = ShopDistances::new(&network, &[shop]);
        assert!((distances.to(&network, &home) - 32.0).abs() < 1e-9);
        let none = ShopDistances::new(&network, &[]);
        assert!(none.to(&network, &home).is_infinite());
    }
}
