//! In-memory products (fixed) and orders (a few samples, plus what clients
//! post). Nothing persists across restarts, like a freshly deployed app.

use std::sync::{Mutex, PoisonError};

use serde::{Deserialize, Serialize};

/// A product for sale.
#[derive(Debug, Clone, Serialize)]
pub struct Product {
    /// Identifier.
    pub id: u32,
    /// Display name.
    pub name: String,
    /// Unit price in cents.
    pub price_cents: u64,
}

/// An order for one product.
#[derive(Debug, Clone, Serialize)]
pub struct Order {
    /// Identifier, assigned in sequence.
    pub id: u32,
    /// The product ordered.
    pub product_id: u32,
    /// How many.
    pub quantity: u32,
    /// price × quantity, in cents.
    pub total_cents: u64,
}

/// The body of `POST /orders`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewOrder {
    /// Must name an existing product.
    pub product_id: u32,
    /// At least 1.
    pub quantity: u32,
}

/// Products and orders.
#[derive(Debug)]
pub struct Store {
    products: Vec<Product>,
    orders: Mutex<Vec<Order>>,
}

impl Store {
    /// Five products and three orders.
    pub fn with_sample_data() -> Self {
        let products: Vec<Product> = [
            ("Chaos Monkey plush", 1999),
            ("Circuit breaker", 4999),
            ("Retry budget", 999),
            ("Pager (silenced)", 2999),
            ("Runbook, annotated", 1499),
        ]
        .iter()
        .zip(1..)
        .map(|((name, price), id)| Product {
            id,
            name: (*name).to_owned(),
            price_cents: *price,
        })
        .collect();
        let orders = [(1, 2), (3, 1), (2, 5)]
            .iter()
            .zip(1..)
            .map(|((product_id, quantity), id)| Order {
                id,
                product_id: *product_id,
                quantity: *quantity,
                total_cents: products[(*product_id - 1) as usize].price_cents
                    * u64::from(*quantity),
            })
            .collect();
        Store {
            products,
            orders: Mutex::new(orders),
        }
    }

    /// Every product.
    pub fn products(&self) -> &[Product] {
        &self.products
    }

    /// The product with this id.
    pub fn product(&self, id: u32) -> Option<&Product> {
        self.products.iter().find(|p| p.id == id)
    }

    /// Every order.
    pub fn orders(&self) -> Vec<Order> {
        self.orders
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The order with this id.
    pub fn order(&self, id: u32) -> Option<Order> {
        self.orders
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .find(|o| o.id == id)
            .cloned()
    }

    /// Places an order; the error says what is wrong with it.
    pub fn place(&self, new: NewOrder) -> Result<Order, String> {
        if new.quantity == 0 {
            return Err("quantity must be at least 1".to_owned());
        }
        let product = self
            .product(new.product_id)
            .ok_or_else(|| format!("no product {}", new.product_id))?;
        let mut orders = self.orders.lock().unwrap_or_else(PoisonError::into_inner);
        let order = Order {
            id: orders.iter().map(|o| o.id).max().unwrap_or(0) + 1,
            product_id: product.id,
            quantity: new.quantity,
            total_cents: product.price_cents.saturating_mul(u64::from(new.quantity)),
        };
        orders.push(order.clone());
        Ok(order)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_orders_and_rejects_bad_ones() {
        let store = Store::with_sample_data();
        let order = store
            .place(NewOrder {
                product_id: 2,
                quantity: 3,
            })
            .unwrap();
        assert_eq!((order.id, order.total_cents), (4, 3 * 4999));
        assert_eq!(store.order(4).unwrap().quantity, 3);
        assert!(store
            .place(NewOrder {
                product_id: 99,
                quantity: 1
            })
            .is_err());
        assert!(store
            .place(NewOrder {
                product_id: 1,
                quantity: 0
            })
            .is_err());
        assert_eq!(store.orders().len(), 4);
    }
}
